import type { CloseloopConfig } from '../config/index.ts';
import type { AlertRecord } from '../domain/index.ts';
import { messageOf } from '../errors/index.ts';
import type { AvroSerde, Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { ALERTS_REFRESH_MS, openAlerts } from '../ops/index.ts';
import { DRIFT_REASON } from '../reconcile/index.ts';

/**
 * The DRIFT_UNHEALED alerts open on the alerts topic, for a worker that reconciles on a schedule:
 * read at its start and again every ALERTS_REFRESH_MS, as the other acknowledgeable alerts are,
 * so readiness and closeloop_drift_unhealed show drift left for people from the start (not from
 * the first run, a whole interval later) and drop an alert an operator acknowledged (not at the
 * next run). A run's own report replaces them at once (see `took`).
 */
export interface DriftWatchOptions {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly metrics?: Metrics | undefined;
  readonly logger: Logger;
}

export class DriftWatch {
  readonly #o: DriftWatchOptions;
  #open: readonly AlertRecord[] = [];
  #timer: NodeJS.Timeout | null = null;
  #reading: Promise<void> = Promise.resolve();

  constructor(o: DriftWatchOptions) {
    this.#o = o;
  }

  /** The open alerts as last read (or reported by a run). */
  open(): readonly AlertRecord[] {
    return this.#open;
  }

  /** Reads them once (a failure fails the start: the topic cannot be read), then every refresh. */
  async start(refreshMs = ALERTS_REFRESH_MS): Promise<void> {
    await this.#read();
    this.#timer = setInterval(() => void this.refresh(), refreshMs);
    this.#timer.unref();
  }

  /** Reads the topic again, one read at a time; never throws (the alerts stay as they were). */
  refresh(): Promise<void> {
    this.#reading = this.#reading
      .then(() => this.#read())
      .catch((err: unknown) => this.#o.logger.warn({ error: messageOf(err) }, 'drift alerts could not be read'));
    return this.#reading;
  }

  /** A run's report: what it left open is the topic's state now. */
  took(open: readonly AlertRecord[]): void {
    this.#set(open);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#reading;
  }

  async #read(): Promise<void> {
    const { messaging, serde, config } = this.#o;
    const admin = messaging.admin();
    await admin.connect();
    try {
      const open = await openAlerts(messaging, admin, serde, config.topics.alerts, {
        log: this.#o.logger,
        metrics: this.#o.metrics,
      });
      this.#set(open.filter((a) => a.reason === DRIFT_REASON));
    } finally {
      await admin.disconnect();
    }
  }

  #set(open: readonly AlertRecord[]): void {
    this.#open = open;
    this.#o.metrics?.driftUnhealed.set(open.length);
  }
}
