import type { CloseloopConfig } from '../config/index.ts';
import { messageOf } from '../errors/index.ts';
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
  /** After a source started on its lease gained; not awaited, and must not throw. */
  readonly onGained?: (connector: string) => void;
  /** How soon a source whose new runner failed to start is tried again while the lease is held (5 s). */
  readonly restartRetryMs?: number;
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
 * A worker's sources, each run only while this worker holds that source's lease (see
 * SourceLease): two workers of one installation would otherwise fence each other's runners in
 * turn. One lease per source, group `<processor.groupId>.<connector>-source`, so workers that run
 * different sources (a connector's `source: false` on some) each run theirs, and the sources of
 * two alike workers may run on either. A runner is built afresh for each lease gained (a stopped
 * runner has stopped its source too), so it claims the transactional id, reads the stored cursor
 * and measures silence from then.
 */
export class WorkerSources {
  readonly #o: WorkerSourcesOptions;
  readonly #builders = new Map<string, () => SourceRunner<unknown>>();
  readonly #running = new Map<string, SourceRunner<unknown>>();
  /**
   * An operator's pause holds for this worker's later runs of the source too, not only the
   * current one, and is kept when given before the worker knows whether it runs the source.
   */
  readonly #operatorPaused = new Set<string>();
  readonly #leases = new Map<string, SourceLease>();
  readonly #restarts = new Map<string, NodeJS.Timeout>();
  #stopping = false;

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

  /** Where this worker stands with the source's lease; null before start or for no such source. */
  lease(connector: string): SourceLeaseState | null {
    return this.#leases.get(connector)?.state ?? null;
  }

  /** The lease consumer's health, for readiness and `closeloop_consumer_failing{consumer="<connector>-source-lease"}`. */
  leaseHealth(connector: string): ConsumerHealth | null {
    return this.#leases.get(connector)?.health() ?? null;
  }

  /** The sources this worker takes leases for. */
  connectors(): string[] {
    return [...this.#builders.keys()];
  }

  /**
   * Joins each source's lease group and waits for the first assignments, so a worker alone runs
   * its sources once started; a group waiting out a dead holder's session is not waited for past it.
   */
  async start(): Promise<void> {
    const { config, messaging, logger, metrics } = this.#o;
    for (const connector of this.#builders.keys()) {
      const lease = new SourceLease({
        messaging,
        connector,
        groupId: `${config.processor.groupId}.${connector}-source`,
        topic: config.topics.cursors,
        sessionTimeoutMs: config.processor.sessionTimeoutMs,
        failingAfterMs: config.processor.consumerFailingAfterMs,
        logger,
        metrics,
        gained: async () => {
          await this.#startOne(connector);
          this.#o.onGained?.(connector);
        },
        lost: () => this.#stopOne(connector),
        regained: () => this.#restartIfFenced(connector),
      });
      this.#leases.set(connector, lease);
      await lease.start();
    }
    const limit = config.processor.sessionTimeoutMs + SETTLE_MARGIN_MS;
    await Promise.all([...this.#leases.values()].map((l) => l.settled(limit)));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#restarts.values()) clearTimeout(timer);
    this.#restarts.clear();
    for (const lease of this.#leases.values()) await lease.stop();
    for (const connector of [...this.#running.keys()]) await this.#stopOne(connector);
  }

  async #startOne(connector: string): Promise<void> {
    const build = this.#builders.get(connector);
    if (!build || this.#running.has(connector)) return;
    const runner = build();
    if (this.#operatorPaused.has(connector)) runner.pause();
    try {
      await runner.start();
    } catch (err) {
      await runner.stop().catch(() => undefined);
      throw err;
    }
    this.#running.set(connector, runner);
  }

  async #stopOne(connector: string): Promise<void> {
    const runner = this.#running.get(connector);
    if (!runner) return;
    this.#running.delete(connector);
    const { warnings } = runner.status();
    await runner.stop().catch(() => undefined);
    // Its warnings are the holder's to show now.
    for (const w of warnings) this.#o.metrics.sourceWarning.set({ connector, code: w.code }, 0);
    if (this.#operatorPaused.has(connector))
      this.#o.logger.warn(
        { connector },
        'operator pause stays with this worker: the worker that runs the source now does not have it; pause it there',
      );
  }

  /** Fenced by a worker that ran the source while this one's session had lapsed: a new runner claims the id now. */
  async #restartIfFenced(connector: string): Promise<void> {
    const runner = this.#running.get(connector);
    if (!runner || !runner.status().pauses.includes('fenced')) return;
    await this.#stopOne(connector);
    await this.#startOrRetry(connector);
  }

  /**
   * A new runner for a lease still held; one that fails to start (Kafka down at that moment) is
   * tried again every restartRetryMs while the lease stays here. Meanwhile readiness says
   * `<connector> source stopped` and each failure is logged: the lease will not be dealt again
   * by itself, so nothing else would start it.
   */
  async #startOrRetry(connector: string): Promise<void> {
    try {
      await this.#startOne(connector);
      if (this.#stopping) await this.#stopOne(connector);
    } catch (err) {
      if (this.#stopping) return;
      const ms = this.#o.restartRetryMs ?? 5_000;
      this.#o.logger.error(
        { connector, error: messageOf(err) },
        `starting the source again failed; trying again in ${ms} ms`,
      );
      const timer = setTimeout(() => {
        this.#restarts.delete(connector);
        if (!this.#stopping && this.lease(connector) === 'holding' && !this.#running.has(connector))
          void this.#startOrRetry(connector);
      }, ms);
      this.#restarts.set(connector, timer);
    }
  }

  status(): Record<string, WorkerSourceStatus> {
    return Object.fromEntries(
      [...this.#builders.keys()].map((connector) => {
        const runner = this.#running.get(connector);
        if (runner) return [connector, runner.status()];
        return [connector, idle(this.lease(connector) === 'standby' ? 'standby' : 'stopped')];
      }),
    );
  }

  /**
   * An operator's pause or resume; `elsewhere` when another worker runs the source. Given while
   * this worker does not yet know (it is joining the lease), it is kept and applies when it runs it.
   */
  act(connector: string, action: 'pause' | 'resume'): SourceAction {
    if (!this.#builders.has(connector)) return 'unknown';
    const runner = this.#running.get(connector);
    if (!runner && this.lease(connector) === 'standby') {
      // A resume ends the pause for this worker's later runs whatever it finds now.
      if (action === 'resume') this.#operatorPaused.delete(connector);
      return 'elsewhere';
    }
    const had = this.#operatorPaused.has(connector);
    if (action === 'pause') this.#operatorPaused.add(connector);
    else this.#operatorPaused.delete(connector);
    if (!runner) return had === (action === 'pause') ? 'unchanged' : 'changed';
    return (action === 'pause' ? runner.pause() : runner.resume()) ? 'changed' : 'unchanged';
  }

  /** Why a source does not run here, for an operator who asked it to pause or resume. */
  elsewhereNote(connector: string): string {
    return (
      `${connector} source is not running on this worker (it stands by; the worker holding the ` +
      `source's lease runs it): send it to that worker`
    );
  }

  /** Rings a source's doorbell where it runs; a standby has nothing to wake (the holder polls on its own). */
  wake(connector: string): boolean {
    this.#running.get(connector)?.wake();
    return this.#builders.has(connector);
  }
}
