import type { CloseloopConfig } from '../config/index.ts';
import type { ConsumerHealth, Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { SourceLease, type SourceLeaseState, type SourceRunner, type SourceRunnerStatus } from '../runtime/index.ts';

/** A source as its worker reports it: what its runner says, or `standby` while another worker runs it. */
export interface WorkerSourceStatus extends Omit<SourceRunnerStatus, 'state'> {
  /**
   * `standby`: another worker of the installation holds the source lease and runs this source;
   * this one takes over when that one stops or dies (see SourceLease). Ready: it is its job.
   */
  readonly state: SourceRunnerStatus['state'] | 'standby';
}

/** What an operator's pause or resume did to a source: `elsewhere` when it does not run here. */
export type SourceAction = 'changed' | 'unchanged' | 'elsewhere' | 'unknown';

export interface WorkerSourcesOptions {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** After the sources started on a lease gained; not awaited, and must not throw. */
  readonly onGained?: () => void;
}

/** Past the session timeout (a dead holder's, which the group waits out), start() goes on without the lease. */
const SETTLE_MARGIN_MS = 5_000;

const idle = (state: WorkerSourceStatus['state']): WorkerSourceStatus => ({
  state,
  pausedBy: null,
  pauses: [],
  pauseDetail: null,
  cursor: null,
  published: 0,
  deadLettered: 0,
  error: null,
  lastRecordAt: 0,
  lastPublishedAt: null,
  polls: 0,
  pollDelayMs: 0,
  warnings: [],
});

/**
 * A worker's sources, run only while it holds the installation's source lease (see SourceLease):
 * two workers of one installation would otherwise fence each other's source runners in turn. A
 * runner is built afresh for each lease gained (a stopped runner has stopped its source too), so
 * it claims the transactional id, reads the stored cursor and measures silence from then.
 */
export class WorkerSources {
  readonly #o: WorkerSourcesOptions;
  readonly #builders = new Map<string, () => SourceRunner<unknown>>();
  readonly #running = new Map<string, SourceRunner<unknown>>();
  /** An operator's pause holds for this worker's later runs of the source too, not only the current one. */
  readonly #operatorPaused = new Set<string>();
  #lease: SourceLease | null = null;

  constructor(o: WorkerSourcesOptions) {
    this.#o = o;
  }

  add(connector: string, build: () => SourceRunner<unknown>): void {
    this.#builders.set(connector, build);
  }

  has(connector: string): boolean {
    return this.#builders.has(connector);
  }

  /** Whether this worker runs the source now (it holds the lease and the runner started). */
  runs(connector: string): boolean {
    return this.#running.has(connector);
  }

  /** Where this worker stands with the lease; null for a worker without sources (it joins no lease group). */
  get lease(): SourceLeaseState | null {
    return this.#lease?.state ?? null;
  }

  /** The lease consumer's health, for readiness and `closeloop_consumer_failing{consumer="sources-lease"}`. */
  leaseHealth(): ConsumerHealth | null {
    return this.#lease?.health() ?? null;
  }

  /**
   * Joins the lease group (only with a source to run) and waits for the first assignment, so a
   * worker alone runs its sources once started; a group waiting out a dead holder's session is
   * not waited for past it.
   */
  async start(): Promise<void> {
    if (this.#builders.size === 0) return;
    const { config, messaging, logger, metrics } = this.#o;
    this.#lease = new SourceLease({
      messaging,
      groupId: `${config.processor.groupId}.sources`,
      topic: config.topics.cursors,
      sessionTimeoutMs: config.processor.sessionTimeoutMs,
      failingAfterMs: config.processor.consumerFailingAfterMs,
      logger,
      metrics,
      gained: async () => {
        await this.#startAll();
        this.#o.onGained?.();
      },
      lost: () => this.#stopAll(),
    });
    await this.#lease.start();
    await this.#lease.settled(config.processor.sessionTimeoutMs + SETTLE_MARGIN_MS);
  }

  async stop(): Promise<void> {
    await this.#lease?.stop();
    await this.#stopAll();
  }

  async #startAll(): Promise<void> {
    try {
      for (const [connector, build] of this.#builders) {
        const runner = build();
        if (this.#operatorPaused.has(connector)) runner.pause();
        await runner.start();
        this.#running.set(connector, runner);
      }
    } catch (err) {
      // All or none: the lease is taken again with every source.
      await this.#stopAll();
      throw err;
    }
  }

  async #stopAll(): Promise<void> {
    for (const [connector, runner] of this.#running) {
      this.#running.delete(connector);
      const { warnings } = runner.status();
      await runner.stop().catch(() => undefined);
      // Its warnings are the holder's to show now.
      for (const w of warnings) this.#o.metrics.sourceWarning.set({ connector, code: w.code }, 0);
    }
  }

  status(): Record<string, WorkerSourceStatus> {
    const lease = this.#lease?.state ?? 'stopped';
    return Object.fromEntries(
      [...this.#builders.keys()].map((connector) => {
        const runner = this.#running.get(connector);
        if (runner) return [connector, runner.status()];
        return [connector, idle(lease === 'standby' ? 'standby' : 'stopped')];
      }),
    );
  }

  /** An operator's pause or resume; `elsewhere` when the source does not run on this worker. */
  act(connector: string, action: 'pause' | 'resume'): SourceAction {
    if (!this.#builders.has(connector)) return 'unknown';
    // A resume ends the pause for this worker's later runs whatever it finds now.
    if (action === 'resume') this.#operatorPaused.delete(connector);
    const runner = this.#running.get(connector);
    if (!runner) return 'elsewhere';
    if (action === 'pause') this.#operatorPaused.add(connector);
    return (action === 'pause' ? runner.pause() : runner.resume()) ? 'changed' : 'unchanged';
  }

  /** Why a source does not run here, for an operator who asked it to pause or resume. */
  elsewhereNote(connector: string): string {
    const lease = this.#lease?.state ?? 'stopped';
    const why =
      lease === 'standby'
        ? 'this worker stands by; the worker holding the source lease runs it'
        : `this worker does not hold the source lease (${lease})`;
    return `${connector} source is not running on this worker (${why}): send it to that worker`;
  }

  /** Rings a source's doorbell where it runs; a standby has nothing to wake (the holder polls on its own). */
  wake(connector: string): boolean {
    this.#running.get(connector)?.wake();
    return this.#builders.has(connector);
  }
}
