import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../../connectors/crm-rest/config.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import {
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
  type IncomingRecord,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { SinkRunner, type SinkRunnerOptions } from '../../../src/runtime/index.ts';
import {
  classifyHttpError,
  HttpCallError,
  parseConnectorConfig,
  type TicketStatusChange,
} from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until, untilAsync, within } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');
const TOPIC = 'bridge.ticket-status.v1';
const GROUP = 'crm-sink';
/** An outage with no end: every call to the CRM, its health probe too, is answered 503. */
const DOWN = { outages: [{ from: 0, until: Number.MAX_SAFE_INTEGER }] };

type Tuning = Partial<
  Pick<SinkRunnerOptions<TicketStatusChange>, 'retry' | 'probeIntervalMs' | 'breakAfterSameStatus'>
>;

/** The CRM sink over the in-memory messaging: runners made on demand, all in one consumer group. */
async function setUp() {
  const { serde } = await startLoopback(cleanup);
  const sim = new CrmSimulator({ token: 'tok' });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([
    { topic: TOPIC, partitions: 1 },
    { topic: deadLetterTopic(TOPIC), partitions: 1 },
  ]);
  await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
  const logger = createLogger({ level: 'silent' });
  const config = parseConnectorConfig('crm-rest', crmRestConfig, { baseUrl: url, jurisdiction: 'testville' });
  /** A gateway in front of the CRM that, while it is on, answers every status update 404. */
  const gateway = { refusing: false };
  const runner = async (tuning: Tuning = {}) => {
    const crmSink = crmRest.sink?.(config, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: Date.now });
    if (!crmSink) throw new Error('crm-rest has no sink');
    const sink: typeof crmSink = {
      ...crmSink,
      deliver: async (s, signal) => {
        if (!gateway.refusing) return crmSink.deliver(s, signal);
        throw classifyHttpError(new HttpCallError('status 404', { status: 404 }), `applying status to ${s.ticketId}`);
      },
    };
    const r = new SinkRunner({
      connector: 'crm-rest',
      topic: TOPIC,
      recordName: RECORD_NAMES.status,
      groupId: GROUP,
      sink,
      messaging,
      serde,
      logger,
      ...tuning,
    });
    await r.start();
    cleanup.push(() => r.stop());
    return r;
  };
  const producer = messaging.producer();
  const bridge = new Bridge(await testPolicy());
  /** A new ticket's first status on the topic. */
  const send = async (): Promise<string> => {
    const id = sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id;
    const from = bridge.statuses.length;
    bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    for (const s of bridge.statuses.slice(from))
      await producer.send(TOPIC, [{ key: s.ticketId, value: await serde.encode(subjectForTopic(TOPIC), s) }]);
    return id;
  };
  const deadLetters = async () => {
    const got: IncomingRecord[] = [];
    await readToEnd(messaging, admin, deadLetterTopic(TOPIC), 'all', (r) => void got.push(r));
    return got;
  };
  const committed = async () => (await admin.groupOffsets(GROUP, TOPIC)).map((o) => o.offset);
  /** Stops the runner; how long that took, in ms. */
  const timedStop = async (r: SinkRunner<TicketStatusChange>) => {
    const started = performance.now();
    // Named when it hangs: a stop that waits out a retry budget or a probe interval fails here.
    await within('stop()', 3_000, r.stop());
    return performance.now() - started;
  };
  /**
   * What a stop must leave of the record in hand: nothing delivered, dead-lettered, alerted or
   * committed (`before` dead letters came ahead of it, each committed; a status dead-lettered is
   * alerted, so `alerted` names their tickets).
   */
  const leftForTheNextOwner = async (r: SinkRunner<TicketStatusChange>, before = 0, alerted: string[] = []) => {
    expect(r.status()).toMatchObject({ state: 'stopped', delivered: 0, deadLettered: before });
    expect(r.status().exhausted.map((x) => x.ticketId)).toEqual(alerted);
    expect(await deadLetters()).toHaveLength(before);
    expect(await committed(), 'no offset committed past the record').toEqual([before === 0 ? '-1' : String(before)]);
  };
  /** The next runner on the group delivers the record, once, and commits it. */
  const deliveredOnceByTheNext = async (ticketId: string, before = 0) => {
    sim.server.setFaults({});
    gateway.refusing = false;
    const next = await runner({ retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 }, probeIntervalMs: 5 });
    await until('the next runner to deliver the record', () => next.status().delivered === 1, 5_000);
    expect(sim.applied.filter((a) => a.ticketId === ticketId)).toHaveLength(1);
    await untilAsync('its offset committed', async () => (await committed())[0] === String(before + 1), 5_000);
    expect(next.status()).toMatchObject({ delivered: 1, deadLettered: 0 });
    expect(await deadLetters()).toHaveLength(before);
  };
  return { sim, gateway, runner, send, timedStop, leftForTheNextOwner, deliveredOnceByTheNext };
}

describe('sink runner: stop() ends promptly whatever the record in hand waits on', () => {
  it('stops within 1 s while the CRM answers 503, and the record is delivered once by the next runner on the group', async () => {
    const { sim, runner, send, timedStop, leftForTheNextOwner, deliveredOnceByTheNext } = await setUp();
    sim.server.setFaults(DOWN);
    // The default retry budget: several seconds of backoff, which a stop must not wait out.
    const first = await runner();
    const ticketId = await send();
    await until('the first 503', () => first.status().retries >= 1, 5_000);
    expect(await timedStop(first)).toBeLessThan(1_000);
    await leftForTheNextOwner(first);
    expect(sim.applied).toEqual([]);
    await deliveredOnceByTheNext(ticketId);
  });

  it('stops within 1 s while a status update waits for an answer that does not come', async () => {
    const { sim, runner, send, timedStop, leftForTheNextOwner, deliveredOnceByTheNext } = await setUp();
    // The CRM takes the call and never answers: only the client's 10 s time-out would end it.
    sim.server.setFaults({ timeoutRate: 1 });
    const first = await runner();
    const ticketId = await send();
    await until('the status update', () => (sim.server.calls.get('PUT /api/v1/tickets/:id/status') ?? 0) >= 1, 5_000);
    expect(await timedStop(first)).toBeLessThan(1_000);
    await leftForTheNextOwner(first);
    expect(first.status().retries, 'the call the stop cut short is no failure').toBe(0);
    await deliveredOnceByTheNext(ticketId);
  });

  it('stops within 1 s while paused for an outage, between health probes', async () => {
    const { sim, runner, send, timedStop, leftForTheNextOwner, deliveredOnceByTheNext } = await setUp();
    sim.server.setFaults(DOWN);
    const first = await runner({ retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 }, probeIntervalMs: 30_000 });
    const ticketId = await send();
    await until('the outage pause', () => first.status().pausedBy === 'unavailable', 5_000);
    expect(await timedStop(first)).toBeLessThan(1_000);
    await leftForTheNextOwner(first);
    expect(first.status().pauses).toEqual([]);
    await deliveredOnceByTheNext(ticketId);
  });

  it('stops within 1 s while the breaker holds the record, and the next runner delivers it once', async () => {
    const { sim, gateway, runner, send, timedStop, leftForTheNextOwner, deliveredOnceByTheNext } = await setUp();
    const first = await runner({
      retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
      probeIntervalMs: 5,
      breakAfterSameStatus: 1,
    });
    // A gateway answers 404 for the whole API: past one dead letter, the next refusal is held.
    gateway.refusing = true;
    const refused = await send();
    await until('the dead letter', () => first.status().deadLettered === 1, 5_000);
    const ticketId = await send();
    await until('the breaker', () => first.status().pausedBy === 'breaker', 5_000);
    expect(await timedStop(first)).toBeLessThan(1_000);
    await leftForTheNextOwner(first, 1, [refused]);
    expect(sim.applied).toEqual([]);
    await deliveredOnceByTheNext(ticketId, 1);
  });
});
