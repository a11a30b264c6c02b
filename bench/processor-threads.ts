// (b)'s processors, one per worker thread, kept from one run to the next (processor-thread.ts).
//
// Why not ThreadedProcessor, which a worker with processor.threads > 1 runs: it starts new worker
// threads at each start, and each is a new V8 isolate that compiles and optimises the whole
// processor again while it works. A phase here lasts one to a few seconds; measured with
// ThreadedProcessor, two threads spent it mostly warming up (see the README's Performance). A
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
  /** With the thread's CPU time from its first assignment to the stop, in µs. */
  | { readonly type: 'stopped'; readonly cpuMicros: number }
  | { readonly type: 'failed'; readonly error: string };

type Kind = Exclude<FromBenchThread['type'], 'failed'>;

const ENTRY = new URL('./processor-thread.ts', import.meta.url);

class BenchThread {
  readonly #worker: Worker;
  #waiting: { kind: Kind; resolve: (m: FromBenchThread) => void; reject: (e: Error) => void }[] = [];
  #onAssigned: (() => void) | null = null;

  constructor(index: number, logLevel: string) {
    this.#worker = new Worker(ENTRY, { workerData: { index, schemasDir: SCHEMAS, logLevel } });
    this.#worker.on('message', (m: FromBenchThread) => {
      if (m.type === 'assigned') this.#onAssigned?.();
      if (m.type === 'failed') return this.#failAll(new Error(`bench processor thread ${index}: ${m.error}`));
      const i = this.#waiting.findIndex((w) => w.kind === m.type);
      if (i >= 0) this.#waiting.splice(i, 1)[0]?.resolve(m);
    });
    this.#worker.on('error', (err) => this.#failAll(err));
    this.#worker.on('exit', (code) => this.#failAll(new Error(`bench processor thread ${index} exited (${code})`)));
  }

  #failAll(err: Error): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.reject(err);
  }

  /** What the thread says next of `kind`, asked for before the message that causes it is sent. */
  next(kind: Kind): Promise<FromBenchThread> {
    return new Promise((resolve, reject) => this.#waiting.push({ kind, resolve, reject }));
  }

  send(m: ToBenchThread, onAssigned?: () => void): void {
    if (onAssigned) this.#onAssigned = onAssigned;
    this.#worker.postMessage(m);
  }

  async close(): Promise<void> {
    this.#worker.removeAllListeners('exit');
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
   * `threadIds` are the threads' own ids: the same from one start to the next.
   */
  async start(configFile: string, timeoutMs = 120_000): Promise<{ working: Promise<number>; threadIds: number[] }> {
    let first = (_at: number) => {};
    let late = (_err: Error) => {};
    const working = new Promise<number>((resolve, reject) => {
      first = resolve;
      late = reject;
    });
    // A group that never assigns anything stops the bench with a message, not a hang.
    const timer = setTimeout(
      () => late(new Error(`no processor thread was assigned partitions in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onAssigned = () => {
      clearTimeout(timer);
      first(performance.now());
    };
    const prepared = this.#threads.map((t) => t.next('prepared'));
    const started = this.#threads.map((t) => t.next('started'));
    // Awaited below; a step some thread never reaches must not count as unhandled meanwhile.
    for (const step of [...prepared, ...started]) step.catch(() => undefined);
    try {
      for (const t of this.#threads) t.send({ type: 'start', configFile }, onAssigned);
      await Promise.all(prepared);
      for (const t of this.#threads) t.send({ type: 'join' });
      const ids = (await Promise.all(started)).map((m) => (m.type === 'started' ? m.threadId : -1));
      return { working, threadIds: ids };
    } catch (err) {
      clearTimeout(timer);
      working.catch(() => undefined);
      throw err;
    }
  }

  /**
   * Stops every thread's processor; returns the CPU time their threads spent working (from each
   * one's first assignment to the stop), in µs: the processor's own, without V8's background
   * threads or the broker's.
   */
  async stop(): Promise<number> {
    const stopped = this.#threads.map((t) => t.next('stopped'));
    for (const step of stopped) step.catch(() => undefined);
    for (const t of this.#threads) t.send({ type: 'stop' });
    const said = await Promise.all(stopped);
    return said.reduce((sum, m) => sum + (m.type === 'stopped' ? m.cpuMicros : 0), 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.close()));
  }
}
