import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CloseloopConfig } from '../config/index.ts';
import { CloseloopError } from '../errors/index.ts';
import type { AvroSerde, ConsumerHealth, Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { placeStates } from './place-states.ts';
import { provisionTopics, registerSchemas } from './provision.ts';
import {
  STOPPED,
  type FromThread,
  type Method,
  type MetricsSnapshot,
  type ThreadSetup,
  type ThreadStatus,
  type ToThread,
} from './thread-protocol.ts';
import { mergeStuck, type StuckTickets } from './stuck-tickets.ts';
import { combinedHealth, lostThreadMetrics, settledPartitions } from './thread-views.ts';

export interface ThreadedProcessorOptions {
  readonly config: CloseloopConfig;
  /** The file `config` was loaded from: each thread loads it again (a config holds functions). */
  readonly configFile: string;
  /** The environment `config` was loaded with. */
  readonly env?: NodeJS.ProcessEnv;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  readonly schemasDir: string;
  /** Whether the threads keep the processor's metrics, for metricSnapshots(). */
  readonly metrics?: boolean;
  readonly logLevel?: string;
}

interface Member {
  readonly index: number;
  readonly worker: Worker;
  status: ThreadStatus | null;
  /** Its latest metrics, from a scrape or a status report. */
  metrics: MetricsSnapshot | null;
  /** Why it stopped, when it stopped without being asked to. */
  lost: string | null;
  lostAt: number;
  exited: boolean;
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve = () => {};
  let reject: (err: Error) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// The thread's entry beside this module, .ts as run from source or .js as built (tsc rewrites
// import specifiers, not URLs).
const THREAD_ENTRY = new URL(`./processor-thread${path.extname(new URL(import.meta.url).pathname)}`, import.meta.url);

/**
 * The lifecycle processor on `processor.threads` worker threads of one process, as Kafka
 * Streams runs stream threads: each thread is a LifecycleProcessor with its own connections and
 * its own member of the processor's consumer group, so the group shares the partitions (and
 * their tasks and state) among them, and among other processes' threads, as it would among
 * processes. One Node thread decides, encodes and produces on one core; this is how a process
 * uses more. The main thread provisions topics and schemas once, then starts the threads, and
 * answers for them all: readiness, consumer health, tickets held, metrics and the timer sweeps.
 *
 * A thread that stops unasked (an uncaught error) is not replaced: its consumer's session
 * lapses and the group moves its partitions to the other members, so tickets move on, while its
 * loss stays in consumerHealth() (and so in readiness, closeloop_consumer_failing and
 * `closeloop health`) until the process is restarted.
 */
export class ThreadedProcessor {
  readonly #o: ThreadedProcessorOptions;
  readonly #log: Logger;
  readonly #members: Member[] = [];
  readonly #calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextCall = 0;
  #stopping = false;
  #waiters: (() => void)[] = [];
  #settledOnce = false;

  constructor(options: ThreadedProcessorOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'lifecycle-processor' });
  }

  get threads(): number {
    return this.#o.config.processor.threads;
  }

  async start(): Promise<void> {
    const { config, messaging, serde, schemasDir } = this.#o;
    const admin = messaging.admin();
    await admin.connect();
    try {
      // Once, before the threads start, so they find everything in place.
      await provisionTopics(admin, config);
      await registerSchemas(serde, config, schemasDir, { log: this.#log });
      // Its tombstones passed over are logged; the main thread keeps no metrics (the threads do).
      await placeStates({ config, messaging, admin, serde, log: this.#log });
    } finally {
      await admin.disconnect();
    }
    const starts = Array.from({ length: this.threads }, (_, index) => this.#spawn(index));
    try {
      // Every thread joins the group at once, once all are ready: one rebalance, not one each.
      await Promise.all(starts.map((s) => s.prepared));
      for (const m of this.#members) m.worker.postMessage({ type: 'join' } satisfies ToThread);
      await Promise.all(starts.map((s) => s.started));
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.#log.info({ threads: this.threads, groupId: config.processor.groupId }, 'lifecycle processor threads started');
  }

  #spawn(index: number): { prepared: Promise<void>; started: Promise<void> } {
    const setup: ThreadSetup = {
      index,
      configFile: this.#o.configFile,
      env: { ...(this.#o.env ?? process.env) },
      schemasDir: this.#o.schemasDir,
      logLevel: this.#o.logLevel ?? this.#o.logger.level,
      metrics: this.#o.metrics ?? false,
      served: this.#o.config.policy.served ?? null,
    };
    const worker = new Worker(THREAD_ENTRY, { workerData: setup });
    const member: Member = { index, worker, status: null, metrics: null, lost: null, lostAt: 0, exited: false };
    this.#members.push(member);
    const prepared = deferred();
    const started = deferred();
    const failed = (err: Error) => {
      prepared.reject(err);
      started.reject(err);
    };
    // Whichever step is not awaited yet must not be reported as an unhandled rejection.
    prepared.promise.catch(() => undefined);
    started.promise.catch(() => undefined);
    worker.on('message', (m: FromThread) => {
      if (m.type === 'prepared') prepared.resolve();
      else if (m.type === 'started') started.resolve();
      else if (m.type === 'start-failed')
        failed(new CloseloopError(m.code ?? 'CL_KAFKA_TRANSIENT', `processor thread ${index}: ${m.error}`));
      else this.#onMessage(member, m);
    });
    worker.on('error', (err) => {
      member.lost = `processor thread ${index} failed: ${err.message}`;
      member.lostAt = Date.now();
      this.#log.error({ thread: index, error: err.message }, 'processor thread failed');
      failed(err);
    });
    worker.on('exit', (code) => {
      member.exited = true;
      if (this.#stopping) {
        if (code !== STOPPED) this.#log.warn({ thread: index, code }, 'processor thread did not stop cleanly');
      } else {
        if (member.lost === null) {
          member.lost = `processor thread ${index} exited (code ${code})`;
          member.lostAt = Date.now();
        }
        this.#log.error({ thread: index, code }, 'processor thread stopped unasked');
      }
      for (const [id, c] of this.#calls) {
        if (id % 1_000 !== index) continue;
        this.#calls.delete(id);
        c.reject(new Error(`processor thread ${index} exited`));
      }
      failed(new Error(`processor thread ${index} exited (code ${code}) while starting`));
      this.#wake();
    });
    return { prepared: prepared.promise, started: started.promise };
  }

  #onMessage(member: Member, m: Exclude<FromThread, { type: 'prepared' | 'started' | 'start-failed' }>): void {
    if (m.type === 'status') {
      member.status = m.status;
      this.#wake();
      return;
    }
    if (m.type === 'metrics') {
      member.metrics = m.snapshot;
      return;
    }
    const call = this.#calls.get(m.id);
    if (!call) return;
    this.#calls.delete(m.id);
    if (m.type === 'reply') call.resolve(m.value);
    else call.reject(new Error(m.error));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #call<T>(member: Member, method: Method): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Ids carry the thread's index in their last digits (see the exit handler).
      const id = (this.#nextCall += 1) * 1_000 + member.index;
      this.#calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      member.worker.postMessage({ type: 'call', id, method } satisfies ToThread);
    });
  }

  /** Calls `method` on every running thread. */
  #callAll<T>(method: Method): Promise<T[]> {
    return Promise.all(this.#members.filter((m) => !m.exited).map((m) => this.#call<T>(m, method)));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      this.#members.map(async (m) => {
        if (m.exited) return;
        const exited = new Promise<void>((r) => m.worker.once('exit', () => r()));
        m.worker.postMessage({ type: 'stop' } satisfies ToThread);
        await exited;
      }),
    );
    this.#log.info('lifecycle processor threads stopped');
  }

  /** Every thread started and restored its first assignment, and none was lost. */
  isReady(): boolean {
    return (
      this.#members.length === this.threads && this.#members.every((m) => m.lost === null && m.status?.ready === true)
    );
  }

  consumerHealth(): ConsumerHealth | null {
    const now = Date.now();
    return combinedHealth(
      this.#members.map((m) => ({
        index: m.index,
        lost: m.lost,
        lostForMs: m.lost === null ? 0 : now - m.lostAt,
        health: m.status?.health ?? null,
      })),
    );
  }

  /** Each thread's latest restored assignment (null before its first, or once it was lost). */
  partitionsByThread(): (readonly number[] | null)[] {
    return this.#members.map((m) => (m.lost === null ? (m.status?.partitions ?? null) : null));
  }

  ticketsInState(): Map<number, number> {
    return new Map(this.#members.flatMap((m) => (m.lost === null ? (m.status?.tickets ?? []) : [])));
  }

  /** The running threads' open sentinel alerts together, as each last reported them. */
  stuckTickets(): StuckTickets | null {
    return mergeStuck(this.#members.map((m) => (m.lost === null ? (m.status?.stuck ?? null) : null)));
  }

  /**
   * Resolves with the owned partitions once the group has settled: every running thread has
   * restored an assignment, and together they own each partition once. The first time, a group
   * that settled before the call counts (the threads start taking partitions before start()
   * returns); after that, as LifecycleProcessor's, only assignments reported after the call do.
   */
  async nextAssignment(): Promise<number[]> {
    const since = this.#members.map((m) => (this.#settledOnce ? (m.status?.assignments ?? 0) : -1));
    for (;;) {
      const settled = settledPartitions(
        this.#members.map((m, i) => ({
          fresh: (m.status?.assignments ?? 0) > (since[i] ?? -1),
          partitions: m.status?.partitions ?? null,
          lost: m.lost !== null,
        })),
        this.#o.config.processor.partitions,
      );
      if (settled) {
        this.#settledOnce = true;
        return settled;
      }
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  async expireNow(): Promise<number> {
    return (await this.#callAll<number>('expire')).reduce((a, b) => a + b, 0);
  }

  async checkTimersNow(): Promise<number> {
    return (await this.#callAll<number>('timers')).reduce((a, b) => a + b, 0);
  }

  /**
   * Each thread's metrics, for prom-client's AggregatorRegistry.aggregate: a running thread's as
   * it answers now, and a lost thread's counters as it last reported them (lostThreadMetrics).
   * A running thread that cannot answer (it is stopping) stands in with what it last reported,
   * so a scrape still answers.
   */
  async metricSnapshots(): Promise<MetricsSnapshot[]> {
    return Promise.all(
      this.#members.map(async (m) => {
        if (m.lost !== null) return lostThreadMetrics(m.metrics);
        if (m.exited) return m.metrics ?? [];
        try {
          m.metrics = await this.#call<MetricsSnapshot>(m, 'metrics');
        } catch {
          // Stopping, or lost since: what it last said.
        }
        return m.lost !== null ? lostThreadMetrics(m.metrics) : (m.metrics ?? []);
      }),
    );
  }
}
