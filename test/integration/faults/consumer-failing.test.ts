import { describe, expect, it } from 'vitest';
import { runHealth } from '../../../src/cli/health-command.ts';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { bridgeRun, crmHistoryProblems, crmTally } from '../../support/bridge-run.ts';
import { recordFault } from '../../support/fault-report.ts';
import { detectedAfter, metric, openTickets, readiness, startFaultWorker } from '../../support/fault-worker.ts';
import { testMessaging } from '../../support/kafka.ts';
import { overTransaction, wrapMessaging } from '../../support/recording-messaging.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

const SERIES = 'closeloop_consumer_failing{consumer="processor"}';

describe('fault: the processor cannot commit, batch after batch', () => {
  it('says so in readiness, a gauge and `closeloop health` once past its grace, and moves every ticket once it can', async () => {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    // The coordinator refuses the processor's offsets (as with its log unwritable): each batch's
    // transaction aborts, the partition is read again, and nothing moves.
    let refusing = false;
    const group = run.config.processor.groupId;
    const messaging = wrapMessaging(testMessaging(), {
      transaction: (tx) =>
        overTransaction(tx, {
          sendOffsets: async (g, offsets) => {
            // The processor's tasks commit under their membership; a group id alone elsewhere.
            if (refusing && (typeof g === 'string' ? g : g.groupId) === group)
              throw new CloseloopError('CL_KAFKA_TRANSIENT', 'injected: the group coordinator refuses offsets');
            await tx.sendOffsets(g, offsets);
          },
        }),
    });
    const config: CloseloopConfig = {
      ...run.config,
      processor: { ...run.config.processor, consumerFailingAfterMs: 2_000 },
    };
    const fw = await startFaultWorker(config, messaging);
    cleanup.push(() => fw.stop());
    openTickets(run, 4);
    run.work();
    await until('the first updates', () => run.crm.applied.length >= 4, 60_000);
    await untilAsync('ready', async () => (await readiness(fw.url)).status === 200, 60_000);

    refusing = true;
    const since = Date.now();
    openTickets(run, 6);
    const failing = async () => {
      const r = await readiness(fw.url);
      return (
        r.status === 503 &&
        r.reasons.some((x) => /^processor consumer failing for \d+ s: handling batches of .+\/\d+: /.test(x)) &&
        (await metric(fw.url, SERIES)) === 1
      );
    };
    const detected = await detectedAfter('processor commits refused', since, failing);
    // The grace holds: a commit refused once or twice is no alarm.
    expect(detected).toBeGreaterThanOrEqual(2_000);
    const reason = (await readiness(fw.url)).reasons.find((x) => x.startsWith('processor consumer failing'));
    expect(reason).toContain('injected: the group coordinator refuses offsets');
    // The operator command shows the same line.
    const out: string[] = [];
    const code = await runHealth(
      { ...config, http: { host: '127.0.0.1', port: Number(new URL(fw.url).port) } },
      (l) => out.push(l),
      (l) => out.push(l),
      5_000,
    );
    expect(code).not.toBe(0);
    expect(out.join('\n')).toContain('processor consumer failing for');

    refusing = false;
    await untilAsync('ready again', async () => (await readiness(fw.url)).status === 200, 60_000);
    expect(await metric(fw.url, SERIES)).toBe(0);
    const recovered = await until('every ticket closed and all work done', () => run.done(), 120_000).then(
      () => true,
      () => false,
    );
    const { lost, duplicated } = crmTally(run.crm);
    recordFault({ path: 'processor commits refused', detectedAfterMs: detected, recovered, lost, duplicated });
    expect(recovered).toBe(true);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(crmHistoryProblems(run.crm)).toEqual([]);
  }, 300_000);
});
