import { describe, expect, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import {
  DLQ_HEADERS,
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { SinkRunner } from '../../../src/runtime/index.ts';
import { parseConnectorConfig, type WorkOrderCommand } from '../../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until, within } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const TOPIC = 'bridge.work-order-commands.v1';
const POSTS = 'POST /maximo/api/os/mxwo';
const LOOKUPS = 'GET /maximo/api/os/mxwo';

async function setUp(timeoutMs = 500) {
  const { serde } = await startLoopback(cleanup);
  const sim = new MaximoSimulator({ apiKey: 'key' });
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
  const config = parseConnectorConfig('maximo', maximo.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: { transportation: 'DOT' },
    timeoutMs,
  });
  const sink = maximo.sink?.(config, { logger, env: { MAXIMO_API_KEY: 'key' }, clock: Date.now });
  if (!sink) throw new Error('maximo has no sink');
  // The runner's own retries, at once: nothing but the connector gives Maximo's save time.
  const startRunner = async () => {
    const r = new SinkRunner({
      connector: 'maximo',
      topic: TOPIC,
      recordName: RECORD_NAMES.commands,
      groupId: 'maximo-sink',
      sink,
      messaging,
      serde,
      logger,
      retry: { retries: 3, minTimeoutMs: 10, maxTimeoutMs: 20 },
      probeIntervalMs: 20,
    });
    await r.start();
    cleanup.push(() => r.stop());
    return r;
  };
  const runner = await startRunner();
  const producer = messaging.producer();
  const bridge = new Bridge(await testPolicy());
  // What the bridge commands for a CRM event, sent to the sink's topic.
  const send = async (...args: Parameters<typeof crm>): Promise<WorkOrderCommand[]> => {
    const from = bridge.commands.length;
    bridge.send(crm(...args));
    const commands = bridge.commands.slice(from);
    for (const c of commands)
      await producer.send(TOPIC, [{ key: c.ticketId, value: await serde.encode(subjectForTopic(TOPIC), c) }]);
    return commands;
  };
  const deadLetters = async () => {
    const got: Record<string, string | undefined>[] = [];
    await readToEnd(messaging, admin, deadLetterTopic(TOPIC), 'all', (r) => {
      got.push({ code: r.headers[DLQ_HEADERS.code]?.toString(), message: r.headers[DLQ_HEADERS.message]?.toString() });
    });
    return got;
  };
  const workOrders = (ticketId: string) =>
    [...sim.workOrders.values()].filter((w) => w.origrecordid === ticketId).map((w) => `${w.wonum} ${w.status}`);
  return { sim, runner, startRunner, send, deadLetters, workOrders };
}

describe('maximo sink: a CREATE that Maximo saves after the time-out', () => {
  it('makes one work order, and the cancel that follows reaches it', async () => {
    const { sim, runner, send, deadLetters, workOrders } = await setUp();
    // A busy app server: a POST commits 750 ms after it came, 250 ms after the connector gave up
    // on it. A look-up meanwhile finds nothing; the save lands all the same.
    sim.server.setFaults({ slowWriteRate: 1, slowWriteMs: 750 });
    const [create] = await send('SR-SLOW', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    expect(create?.kind).toBe('CREATE');
    await until('the create to count as delivered', () => runner.status().delivered === 1, 10_000);
    await sim.server.settled();
    expect(runner.status().retries, 'the POST timed out').toBeGreaterThanOrEqual(1);
    expect(sim.server.calls.get(POSTS), 'posted once').toBe(1);
    expect(workOrders('SR-SLOW')).toEqual(['1001 WAPPR']);

    sim.server.setFaults({});
    const [cancel] = await send('SR-SLOW', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' });
    expect(cancel?.kind).toBe('CANCEL');
    await until('the cancel to count as delivered', () => runner.status().delivered === 2, 10_000);
    expect(workOrders('SR-SLOW')).toEqual(['1001 CAN']);
    expect(runner.status()).toMatchObject({ deadLettered: 0, state: 'running' });
    expect(await deadLetters()).toEqual([]);
  }, 20_000);

  it('posts again once a save outlasts the wait, and the copy that makes is never acted on silently', async () => {
    const { sim, runner, send, deadLetters, workOrders } = await setUp();
    // Saves that take three time-outs: longer than the connector waits for one to land.
    sim.server.setFaults({ slowWriteRate: 1, slowWriteMs: 1_500 });
    await send('SR-SLOWER', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    await until('the create to count as delivered', () => runner.status().delivered === 1, 10_000);
    await sim.server.settled();
    expect(sim.server.calls.get(POSTS), 'posted again after the wait, once').toBe(2);
    expect(workOrders('SR-SLOWER')).toEqual(['1001 WAPPR', '1002 WAPPR']);

    sim.server.setFaults({});
    await send('SR-SLOWER', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' });
    await until('the cancel to be handled', () => runner.status().deadLettered + runner.status().delivered === 2);
    expect(runner.status()).toMatchObject({ delivered: 1, deadLettered: 1 });
    expect((await deadLetters()).map((l) => l.code)).toEqual(['CL_CONNECTOR_DUPLICATE_WORK_ORDER']);
    expect(workOrders('SR-SLOWER')).toEqual(['1001 WAPPR', '1002 WAPPR']);
  }, 20_000);
});

describe('maximo sink: stopping while a CREATE waits for its save', () => {
  it('stops within 1 s, and the next runner finds the saved work order instead of posting again', async () => {
    const { sim, runner, startRunner, send, deadLetters, workOrders } = await setUp(1_500);
    // The POST times out at 1.5 s and its save lands at 2 s: the retry's look-up finds nothing,
    // and the connector waits up to the time-out for the save before posting again.
    sim.server.setFaults({ slowWriteRate: 1, slowWriteMs: 2_000 });
    await send('SR-STOPPED', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    await until('the look-up after the time-out', () => (sim.server.calls.get(LOOKUPS) ?? 0) >= 2, 10_000);
    const started = performance.now();
    await within('stop()', 3_000, runner.stop());
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(runner.status()).toMatchObject({ state: 'stopped', delivered: 0, deadLettered: 0, exhausted: [] });

    await sim.server.settled();
    sim.server.setFaults({});
    const next = await startRunner();
    await until('the next runner to deliver the create', () => next.status().delivered === 1, 10_000);
    expect(sim.server.calls.get(POSTS), 'posted once').toBe(1);
    expect(workOrders('SR-STOPPED')).toEqual(['1001 WAPPR']);
    expect(await deadLetters()).toEqual([]);
  }, 20_000);
});

describe('maximo sink: two work orders under one externalrefid', () => {
  it('acts on neither: each command is dead-lettered naming both', async () => {
    const { sim, runner, send, deadLetters, workOrders } = await setUp();
    // A save that landed after the bridge had posted again, or a planner's copy that kept the reference.
    for (let i = 0; i < 2; i += 1)
      sim.addWorkOrder({ siteid: 'DOT', origrecordid: 'SR-TWICE', origrecordclass: 'SR', externalrefid: 'SR-TWICE#1' });
    await send('SR-TWICE', 'OPENED', 1, { serviceCode: 'POTHOLE' });
    await send('SR-TWICE', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' });
    await until('both commands handled', () => runner.status().deadLettered + runner.status().delivered === 2, 10_000);
    expect(sim.server.calls.get(POSTS) ?? 0, 'no third work order').toBe(0);
    expect(workOrders('SR-TWICE'), 'neither cancelled, neither left as the only one').toEqual([
      '1001 WAPPR',
      '1002 WAPPR',
    ]);
    const letters = await deadLetters();
    expect(letters.map((l) => l.code)).toEqual([
      'CL_CONNECTOR_DUPLICATE_WORK_ORDER',
      'CL_CONNECTOR_DUPLICATE_WORK_ORDER',
    ]);
    for (const l of letters)
      expect(l.message).toMatch(/2 work orders with externalrefid SR-TWICE#1 at site DOT: 1001, 1002;/);
    expect(runner.status()).toMatchObject({ delivered: 0, retries: 0, state: 'running' });
  });
});
