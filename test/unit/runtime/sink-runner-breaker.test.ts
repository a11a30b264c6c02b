import { describe, expect, it } from 'vitest';
import {
  createInMemoryMessaging,
  deadLetterTopic,
  DLQ_HEADERS,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
  type IncomingRecord,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { judgeReadiness } from '../../../src/observability/readiness.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import {
  classifyHttpError,
  HttpCallError,
  type Health,
  type Sink,
  type TicketStatusChange,
} from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { wrapMessaging } from '../../support/recording-messaging.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const TOPIC = 'bridge.ticket-status.v1';

/** A system that answers each call as `answer` says now: 'ok', or the HTTP failure to throw. */
function fakeSink() {
  const delivered: string[] = [];
  const state = {
    answer: 'ok' as 'ok' | { status: number; location?: string; about?: 'record' | 'api' },
    health: 'up' as Health['status'],
    /** What the health probe says besides its status. */
    healthDetail: undefined as string | undefined,
    /** Tickets the system no longer has: answered 404 whatever `answer` says. */
    purged: new Set<string>(),
  };
  const sink: Sink<TicketStatusChange> = {
    async deliver(s) {
      // A system takes its time: records of different tickets are refused side by side.
      await new Promise((r) => setTimeout(r, 10));
      const a = state.purged.has(s.ticketId) ? { status: 404 } : state.answer;
      if (a === 'ok') return void delivered.push(s.ticketId);
      const failure = new HttpCallError(`status ${a.status}`, {
        status: a.status,
        ...(a.location ? { redirectedTo: new URL(a.location).origin } : {}),
        ...(a.about ? { about: a.about } : {}),
      });
      throw classifyHttpError(failure, `applying status to ${s.ticketId}`);
    },
    health: async () => ({ status: state.health, ...(state.healthDetail ? { detail: state.healthDetail } : {}) }),
  };
  return { sink, delivered, state };
}

async function setUp(breakAfterSameStatus?: number, maxInFlight = 1) {
  const { serde } = await startLoopback(cleanup);
  const inner = createInMemoryMessaging();
  // A dead letter takes a round trip to the broker, as it does on Kafka.
  const messaging = wrapMessaging(inner, {
    send: async (producer, topic, records) => {
      if (topic.endsWith('.dlq')) await new Promise((r) => setTimeout(r, 20));
      return producer.send(topic, records);
    },
  });
  const admin = messaging.admin();
  await admin.ensureTopics([
    { topic: TOPIC, partitions: 1 },
    { topic: deadLetterTopic(TOPIC), partitions: 1 },
  ]);
  await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
  const fake = fakeSink();
  const runner = new SinkRunner({
    connector: 'crm-rest',
    topic: TOPIC,
    recordName: RECORD_NAMES.status,
    groupId: 'breaker-sink',
    sink: fake.sink,
    messaging,
    serde,
    logger: createLogger({ level: 'silent' }),
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
    probeIntervalMs: 5,
    maxInFlight,
    ...(breakAfterSameStatus === undefined ? {} : { breakAfterSameStatus }),
  });
  await runner.start();
  cleanup.push(() => runner.stop());
  const producer = messaging.producer();
  const bridge = new Bridge(await testPolicy());
  let n = 0;
  /** Opens `count` new tickets; their first statuses go to the topic. */
  const send = async (count: number) => {
    const from = bridge.statuses.length;
    for (let i = 0; i < count; i += 1) bridge.send(crm(`T-${(n += 1)}`, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    for (const s of bridge.statuses.slice(from))
      await producer.send(TOPIC, [{ key: s.ticketId, value: await serde.encode(subjectForTopic(TOPIC), s) }]);
  };
  /** Sends `count` statuses of one new ticket in a row: opened, then a crew's updates. */
  const sendOneTicket = async (count: number): Promise<string> => {
    const ticketId = `T-${(n += 1)}`;
    const from = bridge.statuses.length;
    bridge.send(crm(ticketId, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const crew = ['APPR', 'WSCH', 'INPRG', 'WMATL', 'INPRG', 'COMP'];
    for (const [i, code] of crew.entries())
      bridge.send(dept(ticketId, `${ticketId}#1`, 'maximo', code, i + 2, { department: 'transportation' }));
    const statuses = bridge.statuses.slice(from, from + count);
    if (statuses.length < count) throw new Error(`only ${statuses.length} statuses of ${ticketId}`);
    for (const s of statuses)
      await producer.send(TOPIC, [{ key: s.ticketId, value: await serde.encode(subjectForTopic(TOPIC), s) }]);
    return ticketId;
  };
  const deadLetters = async () => {
    const got: IncomingRecord[] = [];
    await readToEnd(messaging, admin, deadLetterTopic(TOPIC), 'all', (r) => void got.push(r));
    return got;
  };
  const readiness = () =>
    judgeReadiness({
      phase: 'running',
      processorReady: true,
      brokerUp: true,
      registryUp: true,
      runners: [{ connector: 'crm-rest', kind: 'sink', ...runner.status() }],
    });
  return { runner, send, sendOneTicket, deadLetters, readiness, ...fake };
}

describe('sink runner: failures that are no record’s fault', () => {
  it('holds the record after a run of dead letters with the same status, until an operator resumes', async () => {
    const { runner, send, deadLetters, readiness, delivered, state } = await setUp(3);
    // A gateway answers 404 for the whole API, to calls that look like they are about records.
    state.answer = { status: 404 };
    await send(6);
    await until('the breaker', () => runner.status().pausedBy === 'breaker', 5_000);
    // Three dead letters, then the fourth is held: the rest of the outage never reaches the DLQ.
    await new Promise((r) => setTimeout(r, 300));
    expect(runner.status()).toMatchObject({ state: 'paused', deadLettered: 3, delivered: 0 });
    expect(await deadLetters()).toHaveLength(3);
    // Each status dead-lettered is one the CRM does not show, so each is alerted too.
    const refused = (t: string) =>
      `crm-rest sink delivery exhausted: ticket ${t}, v1: refused by the system (CL_CONNECTOR_REJECTED HTTP 404); ` +
      'dead-lettered: the system does not show this status until a replay or a newer status of the ticket is ' +
      `delivered (alert ${t}|DELIVERY_EXHAUSTED|v1)`;
    expect(readiness().reasons).toEqual([
      'crm-rest sink paused: breaker (records of 3 tickets in a row dead-lettered with HTTP 404; the next is held: ' +
        'fix the cause, then resume the connector (POST /admin/connectors/crm-rest/resume))',
      ...['T-1', 'T-2', 'T-3'].map(refused),
    ]);
    // The health probe passing does not let it go: a system refusing everything answers it too.
    await new Promise((r) => setTimeout(r, 100));
    expect(runner.status().pausedBy).toBe('breaker');

    state.answer = 'ok';
    runner.resume();
    await until('the held records', () => runner.status().delivered === 3, 5_000);
    expect(delivered).toEqual(['T-4', 'T-5', 'T-6']);
    expect(runner.status()).toMatchObject({ state: 'running', pausedBy: null, pauseDetail: null, deadLettered: 3 });
  });

  // A ticket purged from the CRM is refused 404 for each of its statuses. Six of them in a row (a
  // crew's burst of updates, or `dlq replay --ticket` of it) used to trip the breaker and hold
  // every other citizen's update until an operator came.
  it('counts tickets, not records: one ticket refused for each of its statuses holds no other', async () => {
    const { runner, send, sendOneTicket, deadLetters, readiness, delivered, state } = await setUp();
    const purged = 'T-1';
    state.purged.add(purged);
    expect(await sendOneTicket(6)).toBe(purged);
    // Its statuses in a row, with no other ticket's delivery between them to end a run.
    const settled = () => runner.status().deadLettered === 6 || runner.status().pausedBy !== null;
    await until("the purged ticket's statuses", settled, 5_000);
    expect(runner.status()).toMatchObject({ pausedBy: null, deadLettered: 6 });
    await send(3);
    await until('the other tickets', () => delivered.length === 3, 5_000);
    expect(delivered).toEqual(['T-2', 'T-3', 'T-4']);
    expect(runner.status()).toMatchObject({ state: 'running', pausedBy: null, deadLettered: 6, delivered: 3 });
    expect((await deadLetters()).map((d) => d.key?.toString())).toEqual(Array(6).fill(purged));
    expect(readiness().reasons.some((r) => r.includes('breaker'))).toBe(false);
  });

  it('dead-letters no more than the limit when records are refused side by side', async () => {
    const { runner, send, deadLetters, state } = await setUp(3, 8);
    state.answer = { status: 404 };
    await send(10);
    await until('the breaker', () => runner.status().pausedBy === 'breaker', 5_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(runner.status().deadLettered).toBe(3);
    expect(await deadLetters()).toHaveLength(3);
  });

  it('counts only a run of one status: deliveries and other statuses start it again', async () => {
    const { runner, send, state } = await setUp(2);
    state.answer = { status: 404 };
    await send(2);
    await until('two dead letters', () => runner.status().deadLettered === 2, 5_000);
    state.answer = { status: 422 };
    await send(2);
    await until('four dead letters', () => runner.status().deadLettered === 4, 5_000);
    state.answer = 'ok';
    await send(1);
    await until('the delivery', () => runner.status().delivered === 1, 5_000);
    state.answer = { status: 422 };
    await send(2);
    await until('six dead letters', () => runner.status().deadLettered === 6, 5_000);
    expect(runner.status().pausedBy).toBeNull();
    // Two 422s in a row since the delivery: a third is held.
    await send(1);
    await until('the breaker', () => runner.status().pausedBy === 'breaker', 5_000);
    expect(runner.status()).toMatchObject({ deadLettered: 6, pauseDetail: expect.stringContaining('HTTP 422') });
  });

  it('pauses on a redirect, naming only the origin, and dead-letters nothing', async () => {
    const { runner, send, deadLetters, readiness, delivered, state } = await setUp();
    state.answer = { status: 302, location: 'https://sso.city.gov/login?session=secret-token' };
    state.health = 'down';
    await send(2);
    await until('the endpoint pause', () => runner.status().pausedBy === 'endpoint', 5_000);
    expect(readiness().reasons).toEqual([
      'crm-rest sink paused: endpoint (HTTP 302 redirecting to https://sso.city.gov)',
    ]);
    expect(JSON.stringify(runner.status())).not.toContain('secret-token');
    state.answer = 'ok';
    state.health = 'up';
    await until('both records', () => delivered.length === 2, 5_000);
    expect(runner.status()).toMatchObject({ pausedBy: null, deadLettered: 0 });
    expect(await deadLetters()).toHaveLength(0);
  });

  it('pauses on a 404 to a call about the API rather than dead-lettering the record', async () => {
    const { runner, send, deadLetters, readiness, delivered, state } = await setUp();
    state.answer = { status: 404, about: 'api' };
    state.health = 'down';
    await send(1);
    await until('the endpoint pause', () => runner.status().pausedBy === 'endpoint', 5_000);
    expect(readiness().reasons).toEqual(['crm-rest sink paused: endpoint (HTTP 404 to a call about the API)']);
    state.answer = 'ok';
    state.health = 'up';
    await until('the record', () => delivered.length === 1, 5_000);
    expect(await deadLetters()).toHaveLength(0);
  });

  // POSSE's app server restarting: its web tier answers 404 for every path, and the health probe
  // fails alike. The first tickets' commands used to be dead-lettered with no alert, then the
  // breaker held the sink until an operator came.
  it('waits out a refusal met while the health probe fails as an outage, dead-lettering nothing', async () => {
    const { runner, send, deadLetters, readiness, delivered, state } = await setUp(3);
    state.answer = { status: 404 };
    state.health = 'down';
    await send(6);
    // Each cycle of such a pause is bounded (see DeliveryBounds), and the record is tried again
    // between them: what the pause shows is read at the instant it is seen, not after a wait.
    let seen: { status: ReturnType<typeof runner.status>; reasons: readonly string[] } | null = null;
    await until(
      'the outage pause',
      () => {
        const status = runner.status();
        if (status.pausedBy !== 'unavailable') return false;
        seen = { status, reasons: readiness().reasons };
        return true;
      },
      5_000,
    );
    expect(seen).toMatchObject({
      status: { state: 'paused', pausedBy: 'unavailable', deadLettered: 0 },
      reasons: ['crm-rest sink paused: unavailable (refused a record (HTTP 404) while its health probe says down)'],
    });
    state.answer = 'ok';
    state.health = 'up';
    await until('every record', () => delivered.length === 6, 5_000);
    expect(runner.status()).toMatchObject({ pausedBy: null, deadLettered: 0 });
    expect(await deadLetters()).toHaveLength(0);
  });

  // POSSE's probe reads the change feed: a feed-only fault leaves it down while writes are
  // answered. One refused record then paused the sink as unavailable for good, never counting a
  // cycle, and held every ticket behind it.
  it('believes a failing probe about a refusal for a bounded while, then dead-letters the record alone', async () => {
    const { runner, send, deadLetters, delivered, state } = await setUp();
    state.health = 'down';
    state.purged.add('T-1');
    await send(4);
    await until('the other records', () => delivered.length === 3, 10_000);
    const letters = await deadLetters();
    expect(letters.map((l) => [l.key?.toString(), l.headers[DLQ_HEADERS.code]?.toString()])).toEqual([
      ['T-1', 'CL_CONNECTOR_REJECTED'],
    ]);
    expect(runner.status()).toMatchObject({ deadLettered: 1, pausedBy: null });
  }, 15_000);

  // 'degraded' answers, slowly or in part: a refusal from it is the record's, as when up.
  it('believes a refusal from a system whose probe says degraded', async () => {
    const { runner, send, deadLetters, delivered, state } = await setUp();
    state.health = 'degraded';
    state.purged.add('T-1');
    await send(2);
    await until('the other record', () => delivered.length === 1, 5_000);
    await until('the dead letter', () => runner.status().deadLettered === 1, 5_000);
    expect(await deadLetters()).toHaveLength(1);
  });

  it('says why it pauses on an outage: the status it met, then what the failing health probe says', async () => {
    const { runner, send, readiness, delivered, state } = await setUp();
    state.answer = { status: 502 };
    state.health = 'down';
    await send(1);
    await until('the outage pause', () => runner.status().pausedBy === 'unavailable', 5_000);
    expect(runner.status().pauseDetail).toBe('HTTP 502');
    state.healthDetail = 'reading changes: getaddrinfo ENOTFOUND posse.city.invalid';
    await until('the probe', () => runner.status().pauseDetail?.includes('health probe') === true, 5_000);
    expect(readiness().reasons).toEqual([
      'crm-rest sink paused: unavailable (HTTP 502; health probe: reading changes: getaddrinfo ENOTFOUND posse.city.invalid)',
    ]);
    state.answer = 'ok';
    state.health = 'up';
    await until('the record', () => delivered.length === 1, 5_000);
    expect(runner.status()).toMatchObject({ pausedBy: null, pauseDetail: null });
  });
});
