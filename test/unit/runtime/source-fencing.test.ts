import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import {
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
  type AvroSerde,
  type Messaging,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import type { CrmTicketEvent } from '../../../src/sdk/index.ts';
import { crmSourceRunner } from '../../support/crm-source.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { wrapMessaging } from '../../support/recording-messaging.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

interface Installation {
  readonly topic: string;
  readonly cursorTopic: string;
  readonly fencedRetryMs?: number;
}

/** A runner of the CRM connector named as every worker names it, with its log lines and metrics. */
function crmRunner(url: string, messaging: Messaging, serde: AvroSerde, at: Installation) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ destination, level: 'info' });
  const metrics = new Metrics({ defaults: false });
  const runner = crmSourceRunner(url, {
    cursorTopic: at.cursorTopic,
    topic: at.topic,
    messaging,
    serde,
    logger,
    metrics,
    pollIntervalMs: 5,
    probeIntervalMs: 5,
    ...(at.fencedRetryMs !== undefined ? { fencedRetryMs: at.fencedRetryMs } : {}),
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
  });
  cleanup.push(() => runner.stop());
  const errors = () => lines.filter((l) => (l['level'] as number) >= 50).map((l) => String(l['msg']));
  const fenced = async () =>
    (await metrics.registry.getSingleMetricAsString('closeloop_source_fenced_total')).includes(
      'closeloop_source_fenced_total{connector="crm-rest"} 1',
    );
  return { runner, errors, fenced };
}

async function setUp(...topics: string[]) {
  return setUpOn(createInMemoryMessaging(), ...topics);
}

async function setUpOn(messaging: Messaging, ...topics: string[]) {
  const { serde } = await startLoopback(cleanup);
  const admin = messaging.admin();
  for (const topic of topics) {
    await admin.ensureTopics([{ topic, partitions: 3 }]);
    await serde.register(subjectForTopic(topic), (await readSchemaFile(`schemas/crm.ticket-events.v1.avsc`)).schema);
  }
  const sim = async () => {
    const s = new CrmSimulator({ token: 'tok' });
    const url = await s.start();
    cleanup.push(() => s.stop());
    return { sim: s, url };
  };
  const sequences = async (topic: string) => {
    const seen: number[] = [];
    await readToEnd(messaging, admin, topic, 'all', async (r) => {
      seen.push((await serde.decode<CrmTicketEvent>(r.value)).value.envelope.sequence ?? -1);
    });
    return seen.sort((a, b) => a - b);
  };
  return { serde, messaging, sim, sequences };
}

/**
 * The in-memory broker with its first `times` commits held back `delayMs`: a publish held up
 * (a long pause, a slow broker) past the transaction timeout, which the broker aborts meanwhile.
 */
function slowCommits(inner: Messaging, delayMs: number, times: number): Messaging {
  let left = times;
  return wrapMessaging(inner, {
    transaction: (tx) => ({
      ...tx,
      commit: async () => {
        if (left-- > 0) await new Promise((r) => setTimeout(r, delayMs));
        await tx.commit();
      },
    }),
  });
}

/** A first worker publishing one change, then a second started on the same feed and cursor. */
async function secondWorker(
  sim: Awaited<ReturnType<typeof setUp>>['sim'],
  messaging: Messaging,
  serde: AvroSerde,
  fencedRetryMs: number,
) {
  const { sim: crm, url } = await sim();
  const at = { topic: 'crm', cursorTopic: 'cursors', fencedRetryMs };
  const first = crmRunner(url, messaging, serde, at);
  crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
  await first.runner.start();
  await until('the first worker publishing', () => first.runner.status().published === 1, 5_000);
  const second = crmRunner(url, messaging, serde, at);
  await second.runner.start();
  return { crm, first, second };
}

describe('a source whose transactional id another runner takes', () => {
  // Kafka's transactional ids are cluster-wide. The id was the connector and jurisdiction alone,
  // so a staging and a production bridge on one cluster (or two test runs) fenced each other's
  // source on every start, and each fenced one claimed it back: the feeds stalled each other.
  it('is not taken by another installation on the cluster, which keeps its cursor in a topic of its own', async () => {
    const { serde, messaging, sim, sequences } = await setUp('a.crm', 'b.crm');
    const [a, b] = [await sim(), await sim()];
    const one = crmRunner(a.url, messaging, serde, { topic: 'a.crm', cursorTopic: 'a.cursors' });
    const other = crmRunner(b.url, messaging, serde, { topic: 'b.crm', cursorTopic: 'b.cursors' });
    a.sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await one.runner.start();
    await until('the first installation publishing', () => one.runner.status().published === 1, 5_000);
    await other.runner.start();
    a.sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    b.sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await until(
      'both publishing',
      () => one.runner.status().published === 2 && other.runner.status().published === 1,
      5_000,
    );
    expect(one.errors()).toEqual([]);
    expect(other.errors()).toEqual([]);
    expect(await one.fenced()).toBe(false);
    expect(await sequences('a.crm')).toEqual([1, 2]);
    expect(await sequences('b.crm')).toEqual([1]);
  });

  it('stands aside when a second worker runs it, says so, and does not take it back while it waits', async () => {
    const { serde, messaging, sim, sequences } = await setUp('crm');
    const { crm, first, second } = await secondWorker(sim, messaging, serde, 60_000);
    crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await until('the first worker fenced', () => first.runner.status().pausedBy === 'fenced', 5_000);
    expect(first.runner.status().pauseDetail).toMatch(
      /^another instance took transactional id cursors\/crm-rest:testville, or a transaction of it outlived its timeout \(the publish took \d+\.\d s\); claiming it back within 60 s$/,
    );
    expect(first.errors()).toEqual([
      'fenced: another worker publishes this source with its transactional id, or its transaction outlived the transaction timeout (see publishMs); standing aside, then claiming it back',
    ]);
    expect(await first.fenced()).toBe(true);

    // The second one goes on publishing, unfenced: the first does not claim the id straight back.
    crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await until('the second worker publishing the rest', () => second.runner.status().published === 2, 5_000);
    expect(second.errors()).toEqual([]);
    expect(second.runner.status().pausedBy).toBeNull();
    expect(first.runner.status()).toMatchObject({ pausedBy: 'fenced', published: 1 });
    expect(await sequences('crm')).toEqual([1, 2, 3]);
    // Standing aside does not hold a stop.
    await first.runner.stop();
  });

  // The fence shows at the transaction's first send, which is its dead letters' when it has any:
  // taken for a dead-letter topic's outage, it paused for a second and claimed the id straight back.
  it('stands aside as well when the batch it was publishing held a dead letter', async () => {
    const { serde, messaging, sim } = await setUp('crm');
    await messaging.admin().ensureTopics([{ topic: deadLetterTopic('crm'), partitions: 1 }]);
    const { crm, first, second } = await secondWorker(sim, messaging, serde, 60_000);
    crm.corruptNextChange({ set: { kind: 'REOPENED' } });
    crm.createTicket({ serviceCode: 'SR-POTHOLE' });
    await until('the first worker paused', () => first.runner.status().pausedBy !== null, 5_000);
    expect(first.runner.status().pausedBy).toBe('fenced');
    expect(await first.fenced()).toBe(true);
    crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await until('the second worker publishing', () => second.runner.status().published === 1, 5_000);
    expect(second.runner.status()).toMatchObject({ pausedBy: null, deadLettered: 1 });
    expect(second.errors()).toEqual([]);
  });

  // The broker fences a producer whose transaction outlived its timeout as it fences one whose id
  // was claimed again: the runner stands aside alike, and must not send the operator looking for
  // a second worker that does not exist.
  it('stands aside after its own transaction timed out, says it may have, and publishes every change once', async () => {
    const messaging = slowCommits(createInMemoryMessaging({ transactionTimeoutMs: 100 }), 300, 1);
    const { serde, sim, sequences } = await setUpOn(messaging, 'crm');
    const { sim: crm, url } = await sim();
    const only = crmRunner(url, messaging, serde, { topic: 'crm', cursorTopic: 'cursors', fencedRetryMs: 1_000 });
    crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await only.runner.start();
    await until('the runner fenced', () => only.runner.status().pausedBy === 'fenced', 5_000);
    const detail = only.runner.status().pauseDetail ?? '';
    expect(detail).toMatch(/^another instance took transactional id .+, or a transaction of it outlived its timeout/);
    const took = Number(/the publish took (\d+\.\d) s/.exec(detail)?.[1]);
    expect(took).toBeGreaterThanOrEqual(0.3);
    expect(await only.fenced()).toBe(true);
    crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await until('the runner publishing again', () => only.runner.status().published === 2, 5_000);
    expect(only.runner.status().pausedBy).toBeNull();
    // The timed-out transaction was aborted: nothing of it is read, and nothing is published twice.
    expect(await sequences('crm')).toEqual([1, 2]);
  });

  it('takes the feed back once the worker that took it is gone, publishing every change once', async () => {
    const { serde, messaging, sim, sequences } = await setUp('crm');
    const { crm, first, second } = await secondWorker(sim, messaging, serde, 200);
    crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await until('the first worker fenced', () => first.runner.status().pausedBy === 'fenced', 5_000);
    await second.runner.stop();

    crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await untilAsync('every change out', async () => (await sequences('crm')).length >= 3, 5_000);
    await until('the first worker unpaused', () => first.runner.status().pausedBy === null, 5_000);
    expect(await sequences('crm')).toEqual([1, 2, 3]);
    expect(first.runner.status().cursor).toBe('3');
  });
});
