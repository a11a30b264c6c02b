import { describe, expect, it } from 'vitest';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import type { TicketStatusChange, Violation } from '../../../src/domain/index.ts';
import {
  createInMemoryMessaging,
  partitionFor,
  readToEnd,
  subjectForTopic,
  type IncomingRecord,
  type Messaging,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { LifecycleProcessor, restorePartitions } from '../../../src/processor/index.ts';
import { placeStates } from '../../../src/processor/place-states.ts';
import { coPartitionedTopics } from '../../../src/processor/provision.ts';
import { topicSpecs } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { dept, openedTickets } from '../../support/domain.ts';
import { inMemoryProcessor, inMemorySetup, sendCrm } from '../../support/in-memory-processor.ts';
import { SCHEMAS } from '../../support/processor.ts';
import { untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

/** The config with processor.partitions raised, as an operator sets it after growing the topics. */
const raised = (config: CloseloopConfig, partitions: number): CloseloopConfig => ({
  ...config,
  processor: { ...config.processor, partitions },
});

/** Every record of a topic, raw. */
async function all(messaging: Messaging, topic: string): Promise<IncomingRecord[]> {
  const records: IncomingRecord[] = [];
  await readToEnd(messaging, messaging.admin(), topic, 'all', (r) => void records.push(r));
  return records;
}

/** Per `key@partition`, the latest value written there (null for a tombstone). */
function latest(records: readonly IncomingRecord[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const r of records) out.set(`${r.key?.toString()}@${r.partition}`, r.value?.toString('latin1') ?? null);
  return out;
}

/** What is live in a changelog: `key@partition` of every latest record that is not a tombstone. */
const live = (records: readonly IncomingRecord[]) =>
  [...latest(records)]
    .filter(([, v]) => v !== null)
    .map(([k]) => k)
    .sort();

/** Keys whose partition under `from` partitions is not the one under `to`. */
const movingKeys = (prefix: string, from: number, to: number, count = 40) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}`).filter(
    (k) => partitionFor(k, from) !== partitionFor(k, to),
  );

describe('ticket states after processor.partitions was raised', () => {
  it('are moved to their key’s partition at start, so each ticket’s events meet its state', async () => {
    const base = await setup2();
    const { serde, config } = base;
    // The pipeline at 2 partitions: eight tickets opened and routed.
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    const { processor: first } = await inMemoryProcessor(cleanup, { ...base, messaging });
    await sendCrm(messaging, serde, config, openedTickets('P', 8));
    await untilAsync('the eight tickets read', async () => {
      const read = await admin.groupOffsets(config.processor.groupId, config.topics.crmEvents);
      return read.reduce((n, o) => n + Number(o.offset), 0) === 8;
    });
    await first.stop();

    // Every co-partitioned topic grown to 3, and the config with it.
    await admin.addPartitions(coPartitionedTopics(config), 3);
    const config3 = raised(config, 3);
    const tickets = Array.from({ length: 8 }, (_, i) => `P-${i}`);
    const moving = tickets.filter((k) => partitionFor(k, 2) !== partitionFor(k, 3));
    expect(moving.length).toBeGreaterThan(0);

    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    });
    const second = new LifecycleProcessor({
      config: config3,
      messaging,
      serde,
      logger,
      schemasDir: SCHEMAS,
      clock: () => base.expected.now,
    });
    const assigned = second.nextAssignment();
    await second.start();
    cleanup.push(() => second.stop());
    expect(await assigned).toEqual([0, 1, 2]);
    const perTask = new Map([0, 1, 2].map((p) => [p, tickets.filter((k) => partitionFor(k, 3) === p).length]));
    expect(second.ticketsInState()).toEqual(perTask);
    const moved = lines.find((l) => l['msg'] === 'ticket states moved to their partition for processor.partitions');
    expect(moved).toMatchObject({ moved: moving.length, superseded: 0, partitions: 3 });
    // Placed once and for all: every state at its key's partition, and nothing of them left behind.
    expect(live(await all(messaging, config.topics.state))).toEqual(
      tickets.map((k) => `${k}@${partitionFor(k, 3)}`).sort(),
    );

    // Each department takes its work order; every ticket moves on, none is unknown.
    const producer = messaging.producer();
    for (const [i, id] of tickets.entries()) {
      const e = i % 2 ? dept(id, `${id}#1`, 'maximo', 'APPR', 2) : dept(id, `${id}#1`, 'sap-pm', 'REL', 2);
      const value = await serde.encode(subjectForTopic(config.topics.deptEvents), { departmentRef: null, ...e.event });
      await producer.send(config.topics.deptEvents, [{ key: id, value }]);
    }
    await untilAsync('the department events read', async () => {
      const read = await admin.groupOffsets(config.processor.groupId, config.topics.deptEvents);
      return read.reduce((n, o) => n + Math.max(0, Number(o.offset)), 0) === 8;
    });
    const statuses: TicketStatusChange[] = [];
    await readToEnd(messaging, admin, config.topics.status, 'all', async (r) => {
      statuses.push((await serde.decode<TicketStatusChange>(r.value)).value);
    });
    const history = (id: string) =>
      statuses
        .filter((v) => v.ticketId === id)
        .sort((a, b) => a.version - b.version)
        .map((v) => v.lifecycleState);
    expect(Object.fromEntries(tickets.map((k) => [k, history(k)]))).toEqual(
      Object.fromEntries(tickets.map((k) => [k, ['ROUTED', 'ACCEPTED']])),
    );
    const quarantine: Violation[] = [];
    await readToEnd(messaging, admin, config.topics.quarantine, 'all', async (r) => {
      quarantine.push((await serde.decode<Violation>(r.value)).value);
    });
    expect(quarantine.map((v) => `${v.ticketId} ${v.kind}`)).toEqual([]);
  });

  it('moves, loudly, an open ticket whose copy a foreign tombstone ended before the count changed', async () => {
    const base = await setup2();
    const { serde, config } = base;
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    const { processor: first } = await inMemoryProcessor(cleanup, { ...base, messaging });
    const opened = openedTickets('F', 8);
    const ticket = opened.map((e) => e.event.ticketId).find((k) => partitionFor(k, 2) !== partitionFor(k, 3));
    if (!ticket) throw new Error('no ticket whose partition moves');
    await sendCrm(messaging, serde, config, opened);
    await untilAsync('the eight tickets read', async () => {
      const read = await admin.groupOffsets(config.processor.groupId, config.topics.crmEvents);
      return read.reduce((n, o) => n + Number(o.offset), 0) === 8;
    });
    await first.stop();
    // A tool writes a tombstone for the open ticket to the changelog; no restore has run since.
    await messaging
      .producer()
      .send(config.topics.state, [{ key: ticket, value: null, partition: partitionFor(ticket, 2) }]);
    await admin.addPartitions(coPartitionedTopics(config), 3);
    const config3 = raised(config, 3);
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({
      level: 'info',
      destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    });
    const metrics = new Metrics({ defaults: false });
    const moving = opened.map((e) => e.event.ticketId).filter((k) => partitionFor(k, 2) !== partitionFor(k, 3));
    const placed = await placeStates({ config: config3, messaging, admin, serde, log, metrics });
    expect(placed).toEqual({ moved: moving.length, superseded: 0 });
    expect(lines.filter((l) => l['level'] === 50).map((l) => [l['ticketId'], l['partition']])).toEqual([
      [ticket, partitionFor(ticket, 2)],
    ]);
    expect(await metrics.registry.getSingleMetricAsString('closeloop_state_tombstones_refused_total')).toContain(
      'closeloop_state_tombstones_refused_total 1',
    );
    const home = partitionFor(ticket, 3);
    const restored = await restorePartitions(messaging, admin, serde, config.topics.state, [home], {
      placedBy: config3.processor,
    });
    expect(restored.stores.get(home)?.get(ticket)?.state).toBe('ROUTED');
    // The move's own tombstones are not foreign: a second start finds nothing to move or refuse.
    expect(await placeStates({ config: config3, messaging, admin, serde, log, metrics })).toEqual({
      moved: 0,
      superseded: 0,
    });
    expect(lines.filter((l) => l['level'] === 50)).toHaveLength(1);
  });

  it('keeps a ticket’s state on its own partition over an older copy, and moves the latest of several', async () => {
    const { config, serde } = await setup2();
    const config3 = raised(config, 3);
    let now = 1_000;
    const messaging = createInMemoryMessaging({ clock: () => now });
    const admin = messaging.admin();
    await admin.ensureTopics([{ topic: config.topics.state, partitions: 3 }]);
    const producer = messaging.producer();
    const at = (key: string, partition: number, value: string | null) =>
      producer.send(config.topics.state, [{ key, value: value === null ? null : Buffer.from(value), partition }]);
    const [a, b, c, d] = movingKeys('K', 2, 3);
    if (!a || !b || !c || !d) throw new Error('too few keys whose partition moves');
    const home = (k: string) => partitionFor(k, 3);
    const other = (k: string) => [0, 1, 2].find((p) => p !== home(k) && p !== partitionFor(k, 2)) ?? -1;
    await at(a, partitionFor(a, 2), 'a-state');
    // b: a copy the old count left, and a newer state where b belongs now.
    await at(b, partitionFor(b, 2), 'b-old');
    await at(b, home(b), 'b-home');
    // c: copies on both partitions that are not its own, the later one newer.
    await at(c, other(c), 'c-older');
    now += 1_000;
    await at(c, partitionFor(c, 2), 'c-newer');
    // d: a copy since tombstoned.
    await at(d, partitionFor(d, 2), 'd-state');
    await at(d, partitionFor(d, 2), null);
    const placed = await placeStates({
      config: config3,
      messaging,
      admin,
      serde,
      log: createLogger({ level: 'silent' }),
    });
    expect(placed).toEqual({ moved: 2, superseded: 2 });
    const records = await all(messaging, config.topics.state);
    expect(live(records)).toEqual([`${a}@${home(a)}`, `${b}@${home(b)}`, `${c}@${home(c)}`].sort());
    const values = latest(records);
    expect([a, b, c].map((k) => values.get(`${k}@${home(k)}`))).toEqual(['a-state', 'b-home', 'c-newer']);
    // Done once: a second start finds nothing to move.
    expect(
      await placeStates({ config: config3, messaging, admin, serde, log: createLogger({ level: 'silent' }) }),
    ).toEqual({
      moved: 0,
      superseded: 0,
    });
  });

  it('are left alone while a processor of the group runs, and then a restore refuses them, naming how many', async () => {
    const { config, serde } = await setup2();
    const config3 = raised(config, 3);
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    await admin.ensureTopics(topicSpecs(config3));
    // A member of the processor's group, running.
    const member = messaging.consumer({ groupId: config.processor.groupId, coPartitioned: true });
    await member.connect();
    await member.subscribe([config.topics.links]);
    void member.run({ eachBatch: async () => undefined });
    cleanup.push(() => member.disconnect());
    await untilAsync('the member in its group', async () => (await admin.groupMembers(config.processor.groupId)) === 1);
    const [key] = movingKeys('M', 2, 3);
    if (!key) throw new Error('no key whose partition moves');
    const old = partitionFor(key, 2);
    await messaging.producer().send(config.topics.state, [{ key, value: Buffer.from('state'), partition: old }]);
    const log = createLogger({ level: 'silent' });
    expect(await placeStates({ config: config3, messaging, admin, serde, log })).toEqual({ moved: 0, superseded: 0 });
    const err = await restorePartitions(messaging, admin, serde, config.topics.state, [old], {
      placedBy: config3.processor,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CL_TOPIC_MISMATCH', details: { partitions: 3, misplaced: { [old]: 1 } } });
    expect((err as Error).message).toContain(
      `1 ticket states in ${config.topics.state} are not on their key's partition with processor.partitions 3`,
    );
    expect((err as Error).message).toContain(`Stop every processor of group ${config.processor.groupId}`);
  });
});

function setup2() {
  return inMemorySetup(cleanup, 2);
}
