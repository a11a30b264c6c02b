// (b)'s processors, one per worker thread, kept from one run to the next (processor-thread.ts).
//
// Why not ThreadedProcessor, which a worker with processor.threads > 1 runs: it starts new worker
// threads at each start, and each is a new V8 isolate that compiles and optimises the whole
// processor again while it works. A phase here lasts one to a few seconds; measured with
// ThreadedProcessor, two threads spent it mostly warming up (see docs/performance.md). A
// processor thread in a city runs for days. So the bench keeps its threads, warms them up
// untimed as it does the Streams peer's JVM, and each thread runs what ThreadedProcessor's run:
// a LifecycleProcessor of its own, with its own connections, joining the group together.
import { Worker } from 'node:worker_threads';
import { SCHEMAS } from './harness.ts';

export type ToBenchThread =
  { readonly type: 'start'; readonly configFile: string } | { readonly type: 'join' } | { readonly type: 'stop' };

export type FromBenchThread =
  | { readonly type: 'prepared' }
  | { readonly type: 'started'; readonly threadId: number }
  | { readonly type: 'assigned' }
  /**
   * With the thread's CPU time from its first assignment to the stop and its GC pauses, in µs,
   * and the longest its event loop kept a timer waiting over the same span, ms.
   */
  | { readonly type: 'stopped'; readonly cpuMicros: number; readonly gcMicros: GcPauses; readonly loopStallMs: number }
  | { readonly type: 'failed'; readonly error: string };

/** A thread's garbage collection pauses, µs: scavenges of the young generation, and the rest. */
export interface GcPauses {
  readonly minor: number;
  readonly major: number;
}

type Kind = Exclude<FromBenchThread['type'], 'failed'>;

const ENTRY = new URL('./processor-thread.ts', import.meta.url);

class BenchThread {
  readonly #worker: Worker;
  #waiting: { kind: Kind; resolve: (m: never) => void; reject: (e: Error) => void }[] = [];
  #onAssigned: (() => void) | null = null;
  /** Why the thread can say nothing more (it failed or ended): every later wait fails with it. */
  #dead: Error | null = null;

  constructor(index: number, logLevel: string) {
    this.#worker = new Worker(ENTRY, { workerData: { index, schemasDir: SCHEMAS, logLevel } });
    this.#worker.on('message', (m: FromBenchThread) => {
      if (m.type === 'assigned') this.#onAssigned?.();
      if (m.type === 'failed') return this.#failAll(new Error(`bench processor thread ${index}: ${m.error}`));
      const i = this.#waiting.findIndex((w) => w.kind === m.type);
      // The waiter of kind m.type takes m: that kind's message (see next).
      if (i >= 0) this.#waiting.splice(i, 1)[0]?.resolve(m as never);
    });
    this.#worker.on('error', (err) => this.#failAll(err, true));
    this.#worker.on('exit', (code) =>
      this.#failAll(new Error(`bench processor thread ${index} exited (${code})`), true),
    );
  }

  #failAll(err: Error, dead = false): void {
    if (dead) this.#dead ??= err;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.reject(err);
  }

  /** What the thread says next of `kind`, asked for before the message that causes it is sent. */
  next<K extends Kind>(kind: K): Promise<Extract<FromBenchThread, { type: K }>> {
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => this.#waiting.push({ kind, resolve, reject }));
  }

  send(m: ToBenchThread, onAssigned?: () => void): void {
    if (onAssigned) this.#onAssigned = onAssigned;
    this.#worker.postMessage(m);
  }

  async close(): Promise<void> {
    this.#worker.removeAllListeners('exit');
    this.#dead ??= new Error('bench processor thread closed');
    await this.#worker.terminate();
  }
}

export class BenchProcessorThreads {
  readonly #threads: BenchThread[];

  constructor(count: number, logLevel = process.env['LOG_LEVEL'] ?? 'silent') {
    this.#threads = Array.from({ length: count }, (_, i) => new BenchThread(i, logLevel));
  }

  /**
   * Starts a processor in every thread on `configFile`'s topics and group, all joining together.
   * `working` resolves when the first of them has restored an assignment: work starts there.
   * `threadIds` are the threads' own ids: the same from one start to the next. After a start
   * that failed, close() the threads: one of them may hold a processor that waits to join.
   */
  async start(configFile: string, timeoutMs = 120_000): Promise<{ working: Promise<number>; threadIds: number[] }> {
    // One deadline for the start and the first assignment: a group that never forms stops the
    // bench with a message, neither a hang nor an unhandled rejection.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the processor threads did not start and get partitions in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    late.catch(() => undefined);
    let first = (_at: number) => {};
    const assigned = new Promise<number>((resolve) => (first = resolve));
    const onAssigned = () => {
      clearTimeout(timer);
      first(performance.now());
    };
    const working = Promise.race([assigned, late]);
    working.catch(() => undefined);
    const prepared = this.#threads.map((t) => t.next('prepared'));
    const started = this.#threads.map((t) => t.next('started'));
    // Awaited below; a step some thread never reaches must not count as unhandled meanwhile.
    for (const step of [...prepared, ...started]) step.catch(() => undefined);
    try {
      for (const t of this.#threads) t.send({ type: 'start', configFile }, onAssigned);
      await Promise.race([Promise.all(prepared), late]);
      for (const t of this.#threads) t.send({ type: 'join' });
      const said = await Promise.race([Promise.all(started), late]);
      return { working, threadIds: said.map((m) => m.threadId) };
    } catch (err) {
      // The threads may hold half-started processors: close() them, they are not started again.
      clearTimeout(timer);
      throw err;
    }
  }

  /**
   * Stops every thread's processor; returns the CPU time their threads spent working (from each
   * one's first assignment to the stop), in µs: the processor's own, without V8's background
   * threads or the broker's; and, summed the same way, the threads' garbage collection pauses;
   * and the longest any thread's event loop kept a timer waiting, ms.
   */
  async stop(): Promise<{ cpuMicros: number; gcMicros: GcPauses; loopStallMs: number }> {
    const stopped = this.#threads.map((t) => t.next('stopped'));
    for (const step of stopped) step.catch(() => undefined);
    for (const t of this.#threads) t.send({ type: 'stop' });
    const said = await Promise.all(stopped);
    return {
      cpuMicros: said.reduce((sum, m) => sum + m.cpuMicros, 0),
      gcMicros: {
        minor: said.reduce((sum, m) => sum + m.gcMicros.minor, 0),
        major: said.reduce((sum, m) => sum + m.gcMicros.major, 0),
      },
      loopStallMs: Math.max(0, ...said.map((m) => m.loopStallMs)),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.close()));
  }
}
