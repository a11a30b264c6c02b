// Bench scenario (b)'s processor threads on a real broker: the same worker threads run one
// processor after another (a warm-up's, then the timed run's), each group of processors shares
// the partitions and takes its inputs to their end, and a thread that cannot start says so.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvroSerde, readToEnd, type Messaging } from '../../src/messaging/index.ts';
import type { TicketStatusChange } from '../../src/domain/index.ts';
import { feed, provision, ROOT, runConfigFile } from '../../bench/harness.ts';
import { generate, loadProfile, routingFor, type LoadProfile } from '../../bench/load.ts';
import { BenchProcessorThreads } from '../../bench/processor-threads.ts';
import { waitIdle } from '../../bench/idle.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';

let messaging: Messaging;
const admin = () => messaging.admin();
let profile: LoadProfile;
const prefixes: string[] = [];

beforeAll(async () => {
  messaging = testMessaging();
  profile = await loadProfile(path.join(ROOT, 'data/baltimore_311_sample_10k.csv'));
});

afterAll(async () => {
  const a = admin();
  await a.connect();
  const topics = await a.listTopics();
  await a.deleteTopics(topics.filter((t) => prefixes.some((p) => t.startsWith(p))));
  await a.disconnect();
});

/** Both phases of a small load on topics of their own, on `threads`; the tickets whose status came out. */
async function run(threads: BenchProcessorThreads, seed: number): Promise<{ tickets: Set<string>; ids: number[][] }> {
  const e = endpoints();
  const { config, file } = await runConfigFile(e, `bench-threads-${seed}`, {
    partitions: 4,
    threads: 2,
    routing: routingFor(profile),
  });
  prefixes.push(config.kafka.clientId);
  const serde = new AvroSerde({ url: e.registryUrl });
  const a = admin();
  await a.connect();
  try {
    await provision(config, a, serde);
    const load = generate(profile, 40, seed);
    const ids: number[][] = [];
    for (const batch of [load.crm, load.dept]) {
      await feed(config, messaging, serde, batch);
      const { working, threadIds } = await threads.start(file, 30_000);
      ids.push(threadIds);
      expect(await working).toBeGreaterThan(0);
      // Throws unless the group commits every input to its end.
      await waitIdle(messaging, a, config, 60_000);
      // The threads did the work, so their CPU time counts it; their GC pauses are times too.
      const used = await threads.stop();
      expect(used.cpuMicros).toBeGreaterThan(0);
      for (const pause of [used.gcMicros.minor, used.gcMicros.major]) expect(pause).toBeGreaterThanOrEqual(0);
    }
    const tickets = new Set<string>();
    await readToEnd(messaging, a, config.topics.status, 'all', async (r) => {
      tickets.add((await serde.decode<TicketStatusChange>(r.value)).value.ticketId);
    });
    expect(tickets.size).toBe(load.tickets);
    return { tickets, ids };
  } finally {
    await a.disconnect();
  }
}

describe('bench scenario (b): processors on worker threads kept from run to run', () => {
  it('runs a warm-up and then a timed run in the same two threads, each to the end of its inputs', async () => {
    const threads = new BenchProcessorThreads(2);
    try {
      const warmup = await run(threads, 5);
      const timed = await run(threads, 6);
      const [first] = warmup.ids;
      expect(first).toHaveLength(2);
      expect(new Set(first).size).toBe(2);
      // The same two threads (V8 isolates) every time: what they compiled stays with them.
      for (const ids of [...warmup.ids, ...timed.ids]) expect(ids).toEqual(first);
      expect([...timed.tickets].some((t) => warmup.tickets.has(t))).toBe(false);
    } finally {
      await threads.close();
    }
  });

  it('fails at once, without hanging, when asked to start threads that have ended', async () => {
    const threads = new BenchProcessorThreads(1);
    await threads.close();
    await expect(threads.start(path.join(ROOT, 'no-such-bench-config.yaml'), 30_000)).rejects.toThrow(
      /bench processor thread closed/,
    );
    await expect(threads.stop()).rejects.toThrow(/bench processor thread closed/);
  });

  it('stops with the thread’s own error when a processor cannot start', async () => {
    const threads = new BenchProcessorThreads(2);
    try {
      await expect(threads.start(path.join(ROOT, 'no-such-bench-config.yaml'), 30_000)).rejects.toThrow(
        /bench processor thread \d: .*no-such-bench-config\.yaml/,
      );
    } finally {
      await threads.close();
    }
  });
});
