// Bench scenario (d) end to end on a real broker: the Kafka Streams peer is built with Maven
// (the first run resolves kafka-streams from Maven Central; later runs reuse the build), runs
// both phases with two stream threads, each after an untimed warm-up, and must leave exactly
// what the bench assumes it does.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readToEnd } from '../../src/messaging/index.ts';
import { ROOT } from '../../bench/harness.ts';
import { generate, loadProfile, type LoadProfile } from '../../bench/load.ts';
import { peerRun, type PeerTopics } from '../../bench/peer.ts';
import { buildPeer, type PeerBuild } from '../../bench/streams-peer.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';

const messaging = testMessaging();
const admin = messaging.admin();
let build: PeerBuild;
let profile: LoadProfile;
let topics: PeerTopics | undefined;

beforeAll(async () => {
  await admin.connect();
  build = await buildPeer(() => undefined);
  profile = await loadProfile(path.join(ROOT, 'data/baltimore_311_sample_10k.csv'));
});

afterAll(async () => {
  const prefix = topics?.prefix;
  if (prefix) await admin.deleteTopics((await admin.listTopics()).filter((t) => t.startsWith(prefix)));
  await admin.disconnect();
});

describe('bench scenario (d): the Kafka Streams peer', () => {
  it('writes four records per input, keeps per-key state across its restart and commits the inputs to their end', async () => {
    const o = { tickets: 60, seed: 7, partitions: 3 };
    const warmupRecords = 100;
    const run = await peerRun(endpoints(), build, profile, {
      ...o,
      threads: 2,
      warmupRecords,
      keep: (t) => (topics = t),
    });
    const load = generate(profile, o.tickets, o.seed);
    const events = load.crm.length + load.dept.length;
    expect(run.events).toBe(events);
    expect(events).toBeGreaterThan(200);
    expect(run.eventsPerSecond).toBeGreaterThan(0);
    if (!topics) throw new Error('the run named no topics');

    for (const input of topics.inputs) {
      const ends = await admin.topicOffsets(input);
      const committed = await admin.groupOffsets(topics.applicationId, input);
      for (const end of ends) {
        expect(committed.find((c) => c.partition === end.partition)?.offset).toBe(end.high);
      }
    }

    const counts: number[] = [];
    const lastState = new Map<string, bigint>();
    for (const output of topics.outputs) {
      counts.push(
        await readToEnd(messaging, admin, output, 'all', (r) => {
          // The state record: the count of events seen for the key, then the latest event.
          if (output === topics?.outputs[0] && r.key && r.value)
            lastState.set(r.key.toString(), r.value.readBigInt64BE(0));
        }),
      );
    }
    expect(counts).toEqual([events, events, events, events]);

    // Department events come in a second run of the peer: their counts build on the state it
    // restored from its changelog.
    const perTicket = new Map<string, bigint>();
    for (const e of [...load.crm, ...load.dept]) {
      perTicket.set(e.event.ticketId, (perTicket.get(e.event.ticketId) ?? 0n) + 1n);
    }
    expect(lastState).toEqual(perTicket);

    // The warm-ups wrote to their own topics only (the counts above are exactly the timed runs'),
    // each phase's from the start of the inputs: all of the CRM phase's fewer than 100 records,
    // then at least 100 of both phases' records.
    expect(load.crm.length).toBeLessThan(warmupRecords);
    const warmed = await readToEnd(messaging, admin, topics.warmupOutputs[1], 'all', () => undefined);
    expect(warmed).toBeGreaterThanOrEqual(load.crm.length + warmupRecords);
    expect(warmed).toBeLessThanOrEqual(load.crm.length + events);
    expect(run.warmupRecords).toBe(warmupRecords);
  }, 180_000);
});
