import { describe, expect, it } from 'vitest';
import { runHealth } from '../../../src/cli/health-command.ts';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import { partitionFor } from '../../../src/messaging/index.ts';
import { coPartitionedTopics } from '../../../src/processor/provision.ts';
import { bridgeRun, crmHistoryProblems, crmTally } from '../../support/bridge-run.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { recordFault } from '../../support/fault-report.ts';
import { detectedAfter, metric, readiness, startFaultWorker } from '../../support/fault-worker.ts';
import { growTopics } from '../../support/kafka.ts';
import { until, untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('all');

describe('fault: a partition is added to an input topic while the processor runs', () => {
  it('holds the processor and says so in readiness, a gauge and `closeloop health`; after the documented change every ticket closes once', async () => {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    const config: CloseloopConfig = {
      ...run.config,
      processor: { ...run.config.processor, partitionCheckIntervalMs: 1_000 },
    };
    const crmTopic = config.topics.crmEvents;
    const before = config.processor.partitions;
    const grown = before + 1;
    const fw = await startFaultWorker(config);
    cleanup.push(() => fw.stop());
    const open = () =>
      run.crm.createTicket({ serviceCode: 'GRASS', contact: { name: 'A Resident', email: null, phone: null } });
    const first = Array.from({ length: 4 }, () => open().id);
    run.work();
    await until('the first updates', () => run.crm.applied.length >= 4, 60_000);
    await untilAsync('ready', async () => (await readiness(fw.url)).status === 200, 60_000);

    // The platform team runs kafka-topics --alter --partitions on the CRM events topic.
    const since = Date.now();
    await growTopics([crmTopic], grown);
    const series = `closeloop_topic_mismatch{topic="${crmTopic}"}`;
    const reasonOf = (reasons: readonly string[]) => reasons.find((r) => r.includes('CL_TOPIC_MISMATCH'));
    const detectedAfterMs = await detectedAfter('the new partition', since, async () => {
      const r = await readiness(fw.url);
      return r.status === 503 && reasonOf(r.reasons) !== undefined && (await metric(fw.url, series)) === 1;
    });
    const reason = reasonOf((await readiness(fw.url)).reasons) ?? '';
    expect(reason).toMatch(/^processor consumer failing for \d+ s: CL_TOPIC_MISMATCH: /);
    expect(reason).toContain(`processor.partitions (${before}) partitions: ${crmTopic} has ${grown}.`);
    expect(reason).toContain('README, "Changing the partition count"');
    const out: string[] = [];
    const code = await runHealth(
      { ...config, http: { host: '127.0.0.1', port: Number(new URL(fw.url).port) } },
      (l) => out.push(l),
      (l) => out.push(l),
    );
    expect(code).toBe(1);
    expect(out[0]).toBe('not ready');
    expect(out.some((l) => l.includes(`CL_TOPIC_MISMATCH`) && l.includes(`${crmTopic} has ${grown}`))).toBe(true);
    expect(fw.logs.filter((l) => l['code'] === 'CL_TOPIC_MISMATCH').map((l) => [l['level'], l['topics']])).toEqual([
      [50, { [crmTopic]: grown }],
    ]);

    // More tickets meanwhile, some of them on the new partition.
    const later: string[] = [];
    while (later.filter((id) => partitionFor(id, grown) === grown - 1).length < 2 && later.length < 40)
      later.push(open().id);
    expect(later.filter((id) => partitionFor(id, grown) === grown - 1).length).toBe(2);

    // The documented change: stop, grow every co-partitioned topic to one count, raise the
    // count, start.
    await fw.stop();
    await growTopics(
      coPartitionedTopics(config).filter((t) => t !== crmTopic),
      grown,
    );
    const raised: CloseloopConfig = { ...config, processor: { ...config.processor, partitions: grown } };
    const fw2 = await startFaultWorker(raised);
    cleanup.push(() => fw2.stop());
    await untilAsync('ready again', async () => (await readiness(fw2.url)).status === 200, 60_000);
    expect(await metric(fw2.url, series)).toBeNull();
    const recovered = await until('every ticket closed and all work done', () => run.done(), 120_000).then(
      () => true,
      () => false,
    );
    await fw2.stop();
    const tally = crmTally(run.crm);
    recordFault({ path: 'partition added while running', detectedAfterMs, recovered, ...tally });
    expect(detectedAfterMs).toBeLessThan(15_000);
    expect(recovered).toBe(true);
    expect(tally).toEqual({ lost: 0, duplicated: 0 });
    expect(crmHistoryProblems(run.crm)).toEqual([]);
    // The first tickets' states (kept after they close) moved where their keys go now.
    const moving = first.filter((id) => partitionFor(id, before) !== partitionFor(id, grown));
    const moved = fw2.logs.find((l) => l['msg'] === 'ticket states moved to their partition for processor.partitions');
    expect(moved?.['moved'] ?? 0).toBe(moving.length);
  }, 300_000);
});
