import { describe, expect, it } from 'vitest';
import { createInMemoryMessaging, type Messaging } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { SourceLease } from '../../../src/runtime/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const logger = createLogger({ level: 'silent' });
const TOPIC = 'closeloop.connector-cursors';

/** A worker's lease as the worker holds it, with what its callbacks saw, in one log for all members. */
function member(messaging: Messaging, name: string, events: string[], options: { failGains?: number } = {}) {
  const metrics = new Metrics({ defaults: false });
  let failures = options.failGains ?? 0;
  let running = false;
  const lease = new SourceLease({
    messaging,
    connector: 'crm-rest',
    groupId: 'closeloop-processor.crm-rest-source',
    topic: TOPIC,
    logger,
    metrics,
    async gained() {
      if (failures > 0) {
        failures -= 1;
        events.push(`${name} failed to start`);
        throw new Error('the source did not start');
      }
      // A start takes a turn of the event loop or more, as a claim on Kafka does.
      await new Promise((resolve) => setTimeout(resolve, 5));
      running = true;
      events.push(`${name} gained`);
    },
    async lost() {
      await new Promise((resolve) => setTimeout(resolve, 5));
      running = false;
      events.push(`${name} lost`);
    },
  });
  const gauge = async () =>
    (await metrics.registry.getSingleMetric('closeloop_source_lease_held')?.get())?.values[0]?.value;
  return { lease, name, running: () => running, gauge };
}

type Member = ReturnType<typeof member>;

async function started(...members: Member[]): Promise<void> {
  for (const m of members) {
    await m.lease.start();
    cleanup.push(() => m.lease.stop());
  }
}

/** Settled: every member has taken its assignment and exactly one runs the sources. */
const settled = (members: readonly Member[]) =>
  members.every((m) => m.lease.state === 'holding' || m.lease.state === 'standby') &&
  members.filter((m) => m.lease.state === 'holding').length === 1 &&
  members.every((m) => m.running() === (m.lease.state === 'holding'));

describe('SourceLease', () => {
  it('gives the lease to exactly one member of the group; the other stands by', async () => {
    const messaging = createInMemoryMessaging();
    const events: string[] = [];
    const a = member(messaging, 'a', events);
    const b = member(messaging, 'b', events);
    await started(a, b);
    await until('the group settled', () => settled([a, b]));
    const holder = a.lease.state === 'holding' ? a : b;
    const standby = holder === a ? b : a;
    expect(events).toContain(`${holder.name} gained`);
    expect(events.filter((e) => e.endsWith('gained'))).toHaveLength(
      events.filter((e) => e.endsWith('lost')).length + 1,
    );
    expect(standby.running()).toBe(false);
    expect(await holder.gauge()).toBe(1);
    expect(await standby.gauge()).toBe(0);
    expect(holder.lease.health()?.state).toBe('reading');
  });

  it('hands over when the holder stops: it stops its sources before the other starts them', async () => {
    const messaging = createInMemoryMessaging();
    const events: string[] = [];
    const a = member(messaging, 'a', events);
    await started(a);
    await until('a holds', () => settled([a]));
    const b = member(messaging, 'b', events);
    await started(b);
    await until('the group settled', () => settled([a, b]));
    const holder = a.lease.state === 'holding' ? a : b;
    const other = holder === a ? b : a;
    const before = events.length;

    await holder.lease.stop();
    expect(holder.lease.state).toBe('stopped');
    expect(holder.running()).toBe(false);
    await until('the other took over', () => settled([other]));
    expect(events.slice(before)).toEqual([`${holder.name} lost`, `${other.name} gained`]);
    expect(await holder.gauge()).toBe(0);
    expect(await other.gauge()).toBe(1);
  });

  it('never leaves two holders once a rebalance settles, whoever joins or leaves', async () => {
    const messaging = createInMemoryMessaging();
    const events: string[] = [];
    const members = ['a', 'b', 'c'].map((n) => member(messaging, n, events));
    for (const m of members) {
      await started(m);
      await until(`the group settled with ${m.name}`, () => settled(members.slice(0, members.indexOf(m) + 1)));
    }
    // Each member's gains and losses alternate, starting with a gain.
    for (const m of members) {
      const own = events.filter((e) => e.startsWith(`${m.name} `));
      own.forEach((e, i) => expect(e).toBe(`${m.name} ${i % 2 === 0 ? 'gained' : 'lost'}`));
    }
    const holder = members.find((m) => m.lease.state === 'holding');
    if (!holder) throw new Error('no holder');
    await holder.lease.stop();
    const rest = members.filter((m) => m !== holder);
    await until('the rest settled', () => settled(rest));
  });

  it('takes the lease again when starting the sources failed, and only then counts as holding', async () => {
    const messaging = createInMemoryMessaging({ rewindDelayMs: 10 });
    const events: string[] = [];
    const a = member(messaging, 'a', events, { failGains: 2 });
    await started(a);
    await until('a holds', () => settled([a]));
    expect(events).toEqual(['a failed to start', 'a failed to start', 'a gained']);
    expect(await a.gauge()).toBe(1);
  });

  it('says it is joining until its first assignment, and settled() waits for it', async () => {
    const messaging = createInMemoryMessaging();
    const a = member(messaging, 'a', []);
    expect(a.lease.state).toBe('stopped');
    expect(a.lease.health()).toBeNull();
    await started(a);
    await a.lease.settled(5_000);
    expect(a.lease.state).toBe('holding');
  });
});
