import type { CloseloopConfig } from '../config/index.ts';
import {
  accountableFor,
  BRIDGE_ORIGIN,
  judgeSilence,
  type AlertRecord,
  type SilenceSettings,
} from '../domain/index.ts';
import { subjectForTopic, type AvroSerde, type Messaging, type MessageProducer } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { alertAge, openAlerts } from '../ops/index.ts';

export interface WatchedSource {
  readonly connector: string;
  readonly settings: SilenceSettings;
  /** The departments whose work the source carries; none for the CRM (311 answers for it). */
  readonly departments: readonly string[];
  /** What silence is measured from: the last publish known, else when the source started. */
  lastRecordAt(): number;
  /** When records were last published, by any instance (see SourceRunnerStatus); null when none is known. */
  lastPublishedAt(): number | null;
  /**
   * Whether this worker runs the source now; always when left out. A worker standing by (another
   * holds the source lease) neither raises nor clears its alert, nor shows it: the holder does.
   */
  runs?(): boolean;
}

/**
 * A source this worker's config runs with no `silence:` cadence: one that had one before (its
 * alert left open when the block was dropped) is no longer watched, and its alert is this
 * worker's to clear while it runs the source (see SilenceWatch).
 */
export type UnwatchedSource = Pick<WatchedSource, 'connector' | 'departments' | 'runs'>;

const alertIdOf = (connector: string) => `${connector}|CONNECTOR_SILENT|`;
const runsHere = (s: UnwatchedSource): boolean => s.runs?.() ?? true;

/**
 * Watches each source with a declared cadence and raises CONNECTOR_SILENT on the alerts topic
 * when it returns no record for longer than its limit, clearing it when records flow again.
 * The open ones also show in readiness and in `closeloop_connector_silent{connector}`.
 *
 * An open alert clears only when records are published after its `since`, never because a
 * limit ran out: a restarted worker, or a second one, has published nothing yet, and silence is
 * measured from the last publish stored with the source's cursor, not from its own start.
 * A source this worker does not run (see WatchedSource.runs) is left to the worker that does;
 * taking it over, this one measures from the cursor's last publish, else from the takeover.
 *
 * An open alert of a source this worker runs, though its config declares no cadence for it any
 * more (see UnwatchedSource), is cleared at the next check: nothing else would ever clear it.
 * Only such a source's: a connector this worker's config does not run (renamed, removed, or run
 * by a worker with another config) may be another worker's to watch, so it is left alone, and
 * an operator acknowledges it once its connector is gone (see acknowledgeAlert).
 */
export class SilenceWatch {
  readonly #sources: readonly WatchedSource[];
  readonly #unwatched: readonly UnwatchedSource[];
  readonly #config: CloseloopConfig;
  readonly #messaging: Messaging;
  readonly #serde: AvroSerde;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  /** Open alerts by connector; seeded from the topic at start, so a restart keeps them and can clear them. */
  readonly #open = new Map<string, AlertRecord>();
  #producer: MessageProducer | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(o: {
    sources: readonly WatchedSource[];
    unwatched?: readonly UnwatchedSource[];
    config: CloseloopConfig;
    messaging: Messaging;
    serde: AvroSerde;
    metrics: Metrics;
    logger: Logger;
  }) {
    this.#sources = o.sources;
    this.#unwatched = o.unwatched ?? [];
    this.#config = o.config;
    this.#messaging = o.messaging;
    this.#serde = o.serde;
    this.#metrics = o.metrics;
    this.#log = o.logger.child({ component: 'silence-watch' });
  }

  async start(intervalMs: number): Promise<void> {
    if (this.#sources.length === 0 && this.#unwatched.length === 0) return;
    await this.reload();
    this.#producer = this.#messaging.producer();
    await this.#producer.connect();
    this.#timer = setInterval(() => void this.check(Date.now()).catch((err: unknown) => this.#failed(err)), intervalMs);
    this.#timer.unref();
  }

  /**
   * Reads the open alerts of its sources from the topic again: at start, and when this worker
   * takes the sources over, since the worker that ran them meanwhile raised and cleared alone.
   */
  async reload(): Promise<void> {
    const admin = this.#messaging.admin();
    await admin.connect();
    try {
      const mine = new Set([...this.#sources, ...this.#unwatched].map((s) => alertIdOf(s.connector)));
      const topic = this.#config.topics.alerts;
      const report = { log: this.#log, metrics: this.#metrics };
      const open = new Map<string, AlertRecord>();
      for (const a of await openAlerts(this.#messaging, admin, this.#serde, topic, report)) {
        if (mine.has(a.alertId) && a.connector) open.set(a.connector, a);
      }
      this.#open.clear();
      for (const [connector, a] of open) this.#open.set(connector, a);
    } finally {
      await admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#producer?.disconnect();
    this.#producer = null;
  }

  /**
   * The silent connectors at `now`, one readiness reason each, saying how long each has been
   * silent: the alert's detail, written once at raise, does not.
   */
  reasons(now = Date.now()): string[] {
    // An unwatched source's alert is not shown: it is cleared at the next check where it runs.
    const shown = new Set(this.#sources.filter(runsHere).map((s) => s.connector));
    return [...this.#open.values()]
      .filter((a) => shown.has(a.connector ?? ''))
      .map(
        (a) =>
          `${a.connector ?? '?'} source silent: no records for ${alertAge(a.since, now)} (since ${new Date(a.since).toISOString()}); ${a.detail}`,
      );
  }

  /** Raises and clears alerts for the state of every watched source at `now`. */
  async check(now: number): Promise<void> {
    const changes: AlertRecord[] = [];
    for (const s of this.#sources) {
      if (!runsHere(s)) {
        this.#metrics.connectorSilent.set({ connector: s.connector }, 0);
        continue;
      }
      const open = this.#open.get(s.connector);
      let silent: boolean;
      if (open) {
        // Records since the silence began, published by this worker or one before it.
        const heard = s.lastPublishedAt();
        silent = heard === null || heard <= open.since;
        if (!silent) changes.push(this.#record(s, 'CLEARED', open.since, 'records flow again', now));
      } else {
        const v = judgeSilence(s.settings, s.lastRecordAt(), now);
        silent = v.silent;
        // True for as long as the alert stays open: the age is shown, from `since`, where it is read.
        const detail = `silent past its limit of ${v.limitMinutes} min`;
        if (silent) changes.push(this.#record(s, 'RAISED', s.lastRecordAt(), detail, now));
      }
      this.#metrics.connectorSilent.set({ connector: s.connector }, silent ? 1 : 0);
    }
    for (const s of this.#unwatched) {
      const open = this.#open.get(s.connector);
      if (open && runsHere(s))
        changes.push(
          this.#record(
            s,
            'CLEARED',
            open.since,
            'no longer watched for silence: its config declares no silence: cadence',
            now,
          ),
        );
      this.#metrics.connectorSilent.set({ connector: s.connector }, 0);
    }
    if (changes.length === 0) return;
    const topic = this.#config.topics.alerts;
    const subject = subjectForTopic(topic);
    const records = await Promise.all(
      changes.map(async (a) => ({ key: a.alertId, value: await this.#serde.encode(subject, a) })),
    );
    await this.#producer?.send(topic, records);
    for (const a of changes) {
      if (a.status === 'RAISED') this.#open.set(a.connector ?? '', a);
      else this.#open.delete(a.connector ?? '');
      this.#metrics.alerts.inc({ reason: a.reason, status: a.status });
      this.#log[a.status === 'RAISED' ? 'error' : 'info'](
        { connector: a.connector, detail: a.detail },
        a.status === 'RAISED' ? 'connector silent' : `connector silence alert cleared: ${a.detail}`,
      );
    }
  }

  #record(s: UnwatchedSource, status: AlertRecord['status'], since: number, detail: string, now: number): AlertRecord {
    const department = s.departments[0] ?? null;
    const alertId = alertIdOf(s.connector);
    return {
      envelope: {
        eventId: `${alertId}|${since}|${status.toLowerCase()}`,
        jurisdiction: this.#config.jurisdiction,
        source: 'closeloop-worker',
        sequence: null,
        occurredAt: now,
        origin: BRIDGE_ORIGIN,
        correlationId: null,
      },
      alertId,
      reason: 'CONNECTOR_SILENT',
      status,
      ticketId: null,
      connector: s.connector,
      department,
      accountable: accountableFor(this.#config.policy, department),
      since,
      detail,
    };
  }

  // Kafka unreachable: readiness already says so; the next check tries again.
  #failed(err: unknown): void {
    this.#log.warn(
      { error: err instanceof Error ? err.message : String(err) },
      'silence check could not write its alerts',
    );
  }
}
