// Scale-out: scenario (b) with the lifecycle processor as one and as two operating-system
// processes (src/processor/main.ts) in one consumer group, sharing the partitions. Each run starts
// its processes on empty topics, waits until the group has settled with every partition owned
// once, then feeds the CRM phase and the department phase, each timed from the start of its feed
// to the group's last offset commit. The feed is Avro-encoded before its clock starts, so the
// figure is the processors', not the feeder's.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { AvroSerde, createKafkaMessaging } from '../src/messaging/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { encodeFeed, median, produceFeed, provision, ROOT, runConfigFile, type Endpoints } from './harness.ts';
import { generate, routingFor, type LoadProfile } from './load.ts';
import type { Line } from './report.ts';
import { progressWatch, waitIdle } from './idle.ts';

export interface ScaleOutRun {
  readonly processes: number;
  readonly tickets: number;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly processorMs: number;
  /** The partitions each process owned while it worked. */
  readonly partitionsPerProcess: readonly number[][];
}

interface Member {
  readonly child: ChildProcess;
  /** Its latest assignment, from its log line after each (re)assignment. */
  partitions: number[] | null;
  exited: boolean;
}

function startProcessor(configFile: string, e: Endpoints): Member {
  const child = spawn(process.execPath, [path.join(ROOT, 'src/processor/main.ts'), '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: e.brokers, SCHEMA_REGISTRY_URL: e.registryUrl, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const member: Member = { child, partitions: null, exited: false };
  child.once('exit', () => (member.exited = true));
  // The processor logs each assignment once its state is restored; that is the bench's signal.
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; partitions?: number[] };
      if (entry.msg === 'partitions assigned; state restored' && Array.isArray(entry.partitions))
        member.partitions = entry.partitions;
    } catch {
      // Not a log line of ours: ignored.
    }
  });
  return member;
}

/** Until every member owns partitions, together each of them once (or, `joined`, has any). */
async function settled(members: readonly Member[], partitions: number, timeoutMs: number, joined = false) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (members.some((m) => m.exited)) throw new Error('a processor process exited while the group formed');
    const owned = members.map((m) => m.partitions ?? []);
    const all = owned.flat();
    if (joined && members.every((m) => m.partitions !== null)) return;
    if (owned.every((p) => p.length > 0) && all.length === partitions && new Set(all).size === partitions) return;
    if (Date.now() > deadline) throw new Error(`the group did not settle: ${JSON.stringify(owned)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopAll(members: readonly Member[]): Promise<void> {
  await Promise.all(
    members.map(
      (m) =>
        new Promise<void>((resolve) => {
          if (m.exited) return resolve();
          m.child.once('exit', () => resolve());
          m.child.kill('SIGTERM');
        }),
    ),
  );
}

export async function scaleOutRun(
  e: Endpoints,
  profile: LoadProfile,
  o: { processes: number; tickets: number; seed: number; partitions: number },
): Promise<ScaleOutRun> {
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' });
  const { config, file } = await runConfigFile(e, `scale-${o.processes}`, {
    partitions: o.partitions,
    routing: routingFor(profile),
  });
  const messaging = createKafkaMessaging({ brokers: [e.brokers], clientId: config.kafka.clientId, logger });
  const serde = new AvroSerde({ url: e.registryUrl });
  const admin = messaging.admin();
  await admin.connect();
  const load = generate(profile, o.tickets, o.seed);
  const members: Member[] = [];
  try {
    await provision(config, admin, serde);
    // One after the other: processes starting together race to register the schemas'
    // compatibility rules, and the loser exits (the registry answers that the rule exists).
    for (let i = 0; i < o.processes; i += 1) {
      const member = startProcessor(file, e);
      members.push(member);
      await settled([member], i === 0 ? o.partitions : 0, 120_000, true);
    }
    await settled(members, o.partitions, 120_000);
    const owned = members.map((m) => [...(m.partitions ?? [])]);
    const inputs = [config.topics.crmEvents, config.topics.deptEvents, config.topics.links];
    const timeout = Number(process.env['BENCH_IDLE_TIMEOUT_MS'] ?? 600_000);
    let processorMs = 0;
    for (const batch of [load.crm, load.dept]) {
      // Encoded before the clock: the feeder shares the processors' cores, and encoding is about
      // 40 % of its CPU. Producing stays timed, as the records' arrival paces the processors.
      const chunks = await encodeFeed(config, serde, batch);
      const started = performance.now();
      const watch = progressWatch(admin, config.processor.groupId, inputs);
      try {
        await produceFeed(messaging, chunks);
        await waitIdle(messaging, admin, config, timeout);
      } finally {
        processorMs += (await watch.stop()) - started;
      }
    }
    if (members.some((m) => m.exited)) throw new Error('a processor process exited during the run');
    const events = load.crm.length + load.dept.length;
    return {
      processes: o.processes,
      tickets: o.tickets,
      events,
      eventsPerSecond: Math.round((events / processorMs) * 1000),
      processorMs: Math.round(processorMs),
      partitionsPerProcess: owned,
    };
  } finally {
    await stopAll(members);
    const topics = await admin.listTopics();
    await admin.deleteTopics(topics.filter((t) => t.startsWith(config.kafka.clientId)));
    await admin.disconnect();
  }
}

/** The table's lines: (b) per process count (median of the repeats), and the gain over one. */
export function scaleOutLines(runs: readonly ScaleOutRun[]): Line[] {
  const n = (v: number, digits = 0) =>
    v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const counts = [...new Set(runs.map((r) => r.processes))];
  const medianOf = (processes: number) =>
    median(runs.filter((r) => r.processes === processes).map((r) => r.eventsPerSecond));
  const one = counts.includes(1) ? medianOf(1) : Number.NaN;
  return counts.map((processes) => {
    const all = runs.filter((r) => r.processes === processes).map((r) => n(r.eventsPerSecond));
    const value = medianOf(processes);
    const gain = processes !== 1 && Number.isFinite(one) ? ` ×${n(value / one, 2)}` : '';
    return {
      figure: `(b) processor, ${processes} process${processes === 1 ? '' : 'es'} in one group, ${n(runs[0]?.tickets ?? 0)} tickets, ev/s (median)`,
      value: `${n(value)}${gain} (runs: ${all.join(' / ')})`,
      target: '',
      verdict: '',
    };
  });
}
