// A rebalance with state: a lifecycle processor holding a city's tickets, and a second one
// joining its group (a scale-out, a restarted member), then a third. Each member logs its
// assignment once its state is ready; the figures are when, counted from the newcomer's start,
// the earlier members' partitions work again and when the group has settled (the newcomer's
// restored too). The earlier members keep the tickets of the partitions they keep (see the
// README's State), and the deal keeps all it can in place (dealCoPartitioned), so their figure
// is a rebalance's; the newcomer's is the restore of its share.
import { Writable } from 'node:stream';
import { AvroSerde, createKafkaMessaging } from '../src/messaging/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { LifecycleProcessor } from '../src/processor/index.ts';
import { feed, median, provision, runConfigFile, SCHEMAS, type Endpoints } from './harness.ts';
import { generate, routingFor, type LoadProfile } from './load.ts';
import type { Line } from './report.ts';
import { waitIdle } from './idle.ts';

export interface RejoinRun {
  readonly tickets: number;
  /** From the second processor's start until the first has its new assignment ready, ms. */
  readonly firstResumedMs: number;
  /** Until the second has its own ready too: the group settled, ms. */
  readonly settledMs: number;
  /**
   * Tickets the first kept in memory (0 when it read any of its partitions again), and tickets
   * the second read from the changelog.
   */
  readonly keptTickets: number;
  readonly readTickets: number;
  /** Then a third joins the two: from its start until both have their new assignments ready, ms. */
  readonly thirdResumedMs: number;
  /** Until the third has its own ready too, ms. */
  readonly thirdSettledMs: number;
  /** Changelog records the first two read at the third's join: none when each kept its share. */
  readonly thirdReadAgain: number;
}

interface Assigned {
  readonly at: number;
  readonly partitions: readonly number[];
  readonly kept: readonly number[];
  readonly tickets: number;
  readonly changelogRecords: number;
}

type Name = 'first' | 'second' | 'third';

/** The assignments of each member, in the order logged, and a wait woken by each new one. */
class Assignments {
  readonly of: Record<Name, Assigned[]> = { first: [], second: [], third: [] };
  #wake = () => {};

  add(name: Name, a: Assigned): void {
    this.of[name].push(a);
    this.#wake();
  }

  async until(what: string, done: () => boolean, timeoutMs = 120_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`rejoin: ${what} did not happen in ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }
}

/** A processor on the run's config whose assignments (the log line after each) are collected. */
function member(e: Endpoints, file: Awaited<ReturnType<typeof runConfigFile>>, name: Name, seen: Assignments) {
  const lines = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.includes('partitions assigned; state restored')) continue;
        const entry = JSON.parse(line) as Partial<Omit<Assigned, 'at'>>;
        seen.add(name, {
          at: performance.now(),
          partitions: entry.partitions ?? [],
          kept: entry.kept ?? [],
          tickets: entry.tickets ?? 0,
          changelogRecords: entry.changelogRecords ?? 0,
        });
      }
      done();
    },
  });
  const logger = createLogger({ name, level: 'info', destination: lines });
  const { config } = file;
  return new LifecycleProcessor({
    config,
    logger,
    messaging: createKafkaMessaging({
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-${name}`,
      logger,
    }),
    serde: new AvroSerde({ url: e.registryUrl }),
    schemasDir: SCHEMAS,
  });
}

export async function rejoinRun(
  e: Endpoints,
  profile: LoadProfile,
  o: { tickets: number; seed: number; partitions: number },
): Promise<RejoinRun> {
  const file = await runConfigFile(e, `rejoin${o.seed}`, { partitions: o.partitions, routing: routingFor(profile) });
  const { config } = file;
  const logger = createLogger({ level: 'silent' });
  const messaging = createKafkaMessaging({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger });
  const serde = new AvroSerde({ url: e.registryUrl });
  const admin = messaging.admin();
  await admin.connect();
  const seen = new Assignments();
  const { first, second } = seen.of;
  const a = member(e, file, 'first', seen);
  const b = member(e, file, 'second', seen);
  const c = member(e, file, 'third', seen);
  try {
    await provision(config, admin, serde);
    await feed(config, messaging, serde, generate(profile, o.tickets, o.seed).crm);
    await a.start();
    await waitIdle(messaging, admin, config, 600_000);
    const joined = performance.now();
    await b.start();
    await seen.until('the second member’s assignment', () => second.length > 0 && first.length > 1);
    const resumed = first.at(-1);
    const settled = second.at(-1);
    if (!resumed || !settled) throw new Error('rejoin: an assignment went missing');
    const thirdJoin = await joinThird(seen, c);
    return {
      tickets: o.tickets,
      firstResumedMs: Math.round(resumed.at - joined),
      settledMs: Math.round(Math.max(resumed.at, settled.at) - joined),
      // The log counts tickets per assignment, not per partition: exact when all were kept.
      keptTickets: resumed.kept.length === resumed.partitions.length ? resumed.tickets : 0,
      readTickets: settled.tickets,
      ...thirdJoin,
    };
  } finally {
    await c.stop().catch(() => undefined);
    await b.stop().catch(() => undefined);
    await a.stop().catch(() => undefined);
    const topics = await admin.listTopics();
    await admin.deleteTopics(topics.filter((t) => t.startsWith(config.kafka.clientId)));
    await admin.disconnect();
  }
}

/**
 * A third member joins the two: each of them gives it one partition of its three and keeps the
 * rest (see dealCoPartitioned), so they read nothing again; the third reads its share.
 */
async function joinThird(
  seen: Assignments,
  c: LifecycleProcessor,
): Promise<Pick<RejoinRun, 'thirdResumedMs' | 'thirdSettledMs' | 'thirdReadAgain'>> {
  const { first, second, third } = seen.of;
  const before = { first: first.length, second: second.length };
  const joined = performance.now();
  await c.start();
  await seen.until(
    'the third member’s assignment',
    () => third.length > 0 && first.length > before.first && second.length > before.second,
  );
  const since = [...first.slice(before.first), ...second.slice(before.second)];
  const resumed = Math.max(...[first.at(-1), second.at(-1)].map((x) => x?.at ?? Infinity));
  return {
    thirdResumedMs: Math.round(resumed - joined),
    thirdSettledMs: Math.round(Math.max(resumed, third.at(-1)?.at ?? Infinity) - joined),
    thirdReadAgain: since.reduce((n, x) => n + x.changelogRecords, 0),
  };
}

export function rejoinLines(runs: readonly RejoinRun[]): Line[] {
  const first = runs[0];
  if (!first) return [];
  const n = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const of = (pick: (r: RejoinRun) => number) =>
    `${n(median(runs.map(pick)))} (runs: ${runs.map((r) => n(pick(r))).join(' / ')})`;
  const what = `rebalance, a second processor joins one holding ${n(first.tickets)} tickets`;
  const third = 'rebalance, then a third joins the two';
  const row = (figure: string, value: string): Line => ({ figure, value, target: '', verdict: '' });
  return [
    row(
      `${what}: the first's partitions work again after, ms (median)`,
      of((r) => r.firstResumedMs),
    ),
    row(
      `${what}: the group settled after, ms (median)`,
      of((r) => r.settledMs),
    ),
    row(
      `${what}: tickets kept in memory / read by the second (median)`,
      `${n(median(runs.map((r) => r.keptTickets)))} / ${n(median(runs.map((r) => r.readTickets)))}`,
    ),
    row(
      `${third}: their partitions work again after, ms (median)`,
      of((r) => r.thirdResumedMs),
    ),
    row(
      `${third}: the group settled after, ms (median)`,
      of((r) => r.thirdSettledMs),
    ),
    row(
      `${third}: changelog records the two read again (median)`,
      of((r) => r.thirdReadAgain),
    ),
  ];
}
