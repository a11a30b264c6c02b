import type { CloseloopConfig } from '../config/index.ts';
import { CloseloopError, isCloseloopError, messageOf } from '../errors/index.ts';
import { AvroSerde, createKafkaMessaging, SHIPPED_SCHEMAS, type Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AdminAnswer, Readiness } from '../observability/ops-server.ts';
import type { GroupTopic } from '../observability/reach.ts';
import type { ReadinessInput, RunnerView } from '../observability/readiness.ts';
import { ProcessorHost, type LifecycleProcessor, type ThreadedProcessor } from '../processor/index.ts';
import { PAUSE_REASONS, SinkRunner, SourceRunner, type SinkRunnerStatus } from '../runtime/index.ts';
import { RECORD_NAMES } from '../topics/index.ts';
import {
  driftReason,
  reconcileLookups,
  runReconciliation,
  type ReconcileLookups,
  type ReconcileReport,
} from '../reconcile/index.ts';
import { checkConnector } from './connector-check.ts';
import { DriftWatch } from './drift-watch.ts';
import { sinkBounds } from './sink-bounds.ts';
import { SilenceWatch, type UnwatchedSource, type WatchedSource } from './silence-watch.ts';
import { WorkerSources, type WorkerSourceStatus } from './worker-sources.ts';

export interface WorkerOptions {
  readonly config: CloseloopConfig;
  /** The file `config` came from; needed when processor.threads > 1 (each thread reads it). */
  readonly configFile?: string;
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly messaging?: Messaging;
}

export interface WorkerStatus {
  readonly tickets: number;
  readonly sources: Record<string, WorkerSourceStatus>;
  readonly sinks: Record<string, SinkRunnerStatus>;
}

/**
 * One closeloop worker: the lifecycle processor plus a source and a sink runner for each
 * configured connector. Every connector's config is checked before anything starts, and all
 * problems are reported together. Of an installation's workers, the one holding a source's lease
 * runs that source; the others stand by (see WorkerSources).
 */
export class Worker {
  readonly #o: WorkerOptions;
  readonly #messaging: Messaging;
  readonly #serde: AvroSerde;
  /** The processor, its metrics, probes and readiness: the same as the processor run alone. */
  readonly #host: ProcessorHost;
  readonly #sources: WorkerSources;
  readonly #sinks = new Map<string, SinkRunner<unknown>>();
  readonly #sinkTopics = new Map<string, string>();
  #phase: ReadinessInput['phase'] = 'created';
  #silence: SilenceWatch | null = null;
  readonly #watched: WatchedSource[] = [];
  /** Sources run with no cadence: an alert left from one they had is cleared (see SilenceWatch). */
  readonly #unwatched: UnwatchedSource[] = [];
  readonly #lookups: ReconcileLookups;
  #reconciling: Promise<ReconcileReport> | null = null;
  /** Ends the run going when the worker stops, rather than waiting out every ticket left. */
  readonly #reconcileAbort = new AbortController();
  /** The DRIFT_UNHEALED alerts open (read from the topic, or as a run left them): readiness reasons. */
  readonly #drift: DriftWatch;
  #reconcileTimer: NodeJS.Timeout | null = null;

  constructor(options: WorkerOptions) {
    this.#o = options;
    const { config, logger } = options;
    this.#messaging =
      options.messaging ??
      createKafkaMessaging({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger });
    this.#serde = new AvroSerde({ ...config.schemaRegistry, log: logger });
    this.#host = new ProcessorHost({
      config,
      configFile: options.configFile,
      logger,
      env: options.env,
      messaging: this.#messaging,
      serde: this.#serde,
      schemasDir: SHIPPED_SCHEMAS,
      alertSource: 'closeloop-worker',
    });
    this.#sources = new WorkerSources({
      config,
      messaging: this.#messaging,
      logger,
      metrics: this.metrics,
      // What the worker that ran the source meanwhile raised or cleared is its alerts to carry on.
      onGained: () => {
        this.#silence?.reload().catch((err: unknown) => {
          logger.warn(
            { error: messageOf(err) },
            'reading the open silence alerts after the source lease was gained failed',
          );
        });
      },
    });
    this.#build();
    this.#lookups = reconcileLookups(config, options.env ?? process.env, logger);
    const common = { config, messaging: this.#messaging, serde: this.#serde, metrics: this.metrics, logger };
    this.#drift = new DriftWatch(common);
  }

  get processor(): LifecycleProcessor | ThreadedProcessor {
    return this.#host.processor;
  }

  get metrics(): Metrics {
    return this.#host.metrics;
  }

  /** The Prometheus exposition, with the processor threads' metrics added in (see ProcessorHost). */
  metricsText(): Promise<string> {
    return this.#host.metricsText();
  }

  #build(): void {
    const { config, logger } = this.#o;
    const env = this.#o.env ?? process.env;
    const problems: string[] = [];
    for (const [i, instance] of config.connectors.entries()) {
      // Runners go by the connector's name: a second instance would silently replace the first.
      if (config.connectors.findIndex((c) => c.name === instance.name) < i) {
        problems.push(`connectors: a second ${instance.name} instance: the worker runs one instance of each connector`);
        continue;
      }
      const checked = checkConnector(instance, env, { credentials: true });
      const { definition: def, settings } = checked;
      problems.push(...checked.problems.map((p) => `connectors: ${p}`));
      if (!def || checked.problems.length > 0) continue;
      const ctx = {
        logger: logger.child({ connector: def.name }),
        env,
        clock: Date.now,
        heldNewer: () => this.metrics.heldNewer.inc({ connector: def.name }),
      };
      if (instance.source && def.source && def.sourceTopic) {
        const { source, sourceTopic } = def;
        // A runner (and its source) per lease gained: a stopped one has stopped its source.
        const build = () =>
          new SourceRunner({
            connector: def.name,
            cursorKey: `${def.name}:${config.jurisdiction}`,
            cursorTopic: config.topics.cursors,
            topic: config.topics[sourceTopic],
            source: source.call(def, settings, ctx),
            pollIntervalMs: instance.pollIntervalMs,
            busyPollIntervalMs: instance.busyPollIntervalMs,
            pollBackoff: instance.pollBackoff,
            fencedRetryMs: instance.fencedRetryMs,
            messaging: this.#messaging,
            serde: this.#serde,
            logger,
            metrics: this.metrics,
          });
        this.#sources.add(def.name, build);
        const departments = checked.serves.map((t) => t.department);
        const runs = () => this.#sources.runs(def.name);
        if (!instance.silence) this.#unwatched.push({ connector: def.name, departments, runs });
        else {
          const now = () => this.#sources.status()[def.name];
          this.#watched.push({
            connector: def.name,
            settings: instance.silence,
            departments,
            runs,
            lastRecordAt: () => now()?.lastRecordAt ?? Date.now(),
            lastPublishedAt: () => now()?.lastPublishedAt ?? null,
          });
        }
      }
      if (instance.sink && def.sink && def.sinkTopic) {
        this.#sinkTopics.set(def.name, config.topics[def.sinkTopic]);
        const departments = checked.serves.map((t) => t.department);
        const health = () => this.#sinks.get(def.name)?.status().consumer;
        this.#host.skipped.add({ consumer: `${def.name}-sink`, connector: def.name, departments, health });
        this.#sinks.set(
          def.name,
          new SinkRunner({
            connector: def.name,
            topic: config.topics[def.sinkTopic],
            recordName: RECORD_NAMES[def.sinkTopic],
            groupId: `${config.processor.groupId}.${def.name}-sink`,
            sink: def.sink(settings, ctx),
            maxInFlight: instance.maxInFlight,
            ...sinkBounds(config, instance),
            partitionsConcurrently: config.processor.partitions,
            failingAfterMs: config.processor.consumerFailingAfterMs,
            receiptsTopic: config.topics.deliveries,
            messaging: this.#messaging,
            serde: this.#serde,
            logger,
            metrics: this.metrics,
          }),
        );
      }
    }
    if (problems.length > 0) {
      throw new CloseloopError('CL_CONFIG_INVALID', `invalid connector configuration:\n${problems.join('\n')}`, {
        details: { problems },
      });
    }
  }

  async start(): Promise<void> {
    this.#phase = 'starting';
    // The processor creates the topics and registers the schemas the runners rely on.
    await this.#host.start();
    await this.#sources.start();
    for (const r of this.#sinks.values()) await r.start();
    const { config, logger } = this.#o;
    const common = { config, messaging: this.#messaging, serde: this.#serde, metrics: this.metrics, logger };
    if (this.#watched.length > 0 || this.#unwatched.length > 0) {
      this.#silence = new SilenceWatch({ sources: this.#watched, unwatched: this.#unwatched, ...common });
      // A quarter of the shortest limit, so a silence is seen well within it (each minute at most).
      const shortest = Math.min(
        ...this.#watched.flatMap((w) => [w.settings.limitMinutes, ...w.settings.hours.map((h) => h.limitMinutes)]),
      );
      await this.#silence.start(Math.min(60_000, Math.max(250, (shortest * 60_000) / 4)));
    }
    const every = config.reconcile.intervalMinutes;
    if (every !== null) {
      await this.#drift.start();
      this.#reconcileTimer = setInterval(() => {
        // Counted in closeloop_reconcile_failed_total by the run; the next one tries again.
        this.reconcileNow().catch((err: unknown) => {
          if (this.#reconcileAbort.signal.aborted) {
            logger.info({ error: messageOf(err) }, 'scheduled reconciliation ended as the worker stopped');
            return;
          }
          logger.error(
            { code: isCloseloopError(err) ? err.code : 'unknown', error: messageOf(err) },
            'scheduled reconciliation failed; the next run tries again',
          );
        });
      }, every * 60_000);
      this.#reconcileTimer.unref();
    }
    this.#phase = 'running';
  }

  /** Checks every source's cadence now (the timer does it on its own); for tests and tools. */
  async checkSilenceNow(): Promise<void> {
    await this.#silence?.check(Date.now());
  }

  /** Raises alerts for records skipped and learns of acknowledgements now (see SkippedWatch); for tests. */
  async checkSkippedNow(): Promise<void> {
    await this.#host.skipped.check(Date.now(), { refresh: true });
  }

  /** Reads every sink's DELIVERY_EXHAUSTED alerts on the alerts topic again now (see DeliveryAlerts); for tests. */
  async refreshDeliveryAlertsNow(): Promise<void> {
    for (const r of this.#sinks.values()) await r.refreshAlerts();
  }

  /**
   * One reconciliation run with the worker's connectors and metrics: what the schedule
   * (reconcile.intervalMinutes) runs, callable for tests. A run already going is joined, not
   * doubled; an interrupted one is continued from its cursor.
   */
  reconcileNow(): Promise<ReconcileReport> {
    if (this.#reconciling) return this.#reconciling;
    const run = runReconciliation({
      config: this.#o.config,
      messaging: this.#messaging,
      serde: this.#serde,
      logger: this.#o.logger,
      lookups: this.#lookups,
      metrics: this.metrics,
      signal: this.#reconcileAbort.signal,
    })
      .then((report) => {
        this.#drift.took(report.driftAlerts);
        return report;
      })
      .finally(() => {
        this.#reconciling = null;
      });
    this.#reconciling = run;
    return run;
  }

  async stop(): Promise<void> {
    this.#phase = 'stopping';
    await this.#silence?.stop();
    if (this.#reconcileTimer) clearInterval(this.#reconcileTimer);
    await this.#drift.stop();
    this.#reconcileAbort.abort();
    await this.#reconciling?.catch(() => undefined);
    await this.#lookups.stop();
    await this.#sources.stop().catch(() => undefined);
    for (const r of this.#sinks.values()) await r.stop().catch(() => undefined);
    await this.#host.stop();
  }

  /**
   * An operator's pause of a connector's runners, logged; whether it changed anything. A source
   * this worker does not run (it stands by) is not paused here, and the answer says so.
   */
  pause(connector: string): AdminAnswer {
    return this.#operate(connector, 'pause');
  }

  /** Ends an operator's pause (and a sink's breaker), logged; whether it changed anything. */
  resume(connector: string): AdminAnswer {
    return this.#operate(connector, 'resume');
  }

  #operate(connector: string, action: 'pause' | 'resume'): AdminAnswer {
    const sink = this.#sinks.get(connector);
    // Every runner acts, whatever the others answered.
    const source = this.#sources.act(connector, action);
    const sinkChanged = sink ? (action === 'pause' ? sink.pause() : sink.resume()) : false;
    if (!sink && source === 'unknown') return { outcome: 'unknown' };
    const changed = sinkChanged || source === 'changed';
    const note = source === 'elsewhere' ? this.#sources.elsewhereNote(connector) : undefined;
    this.#o.logger.info(
      { connector, action, changed, ...(note ? { note } : {}) },
      changed ? `operator ${action}` : `operator ${action}: nothing to change`,
    );
    // Nothing on this worker could act: not "changed nothing", but "not here".
    const outcome = !sink && source === 'elsewhere' ? 'elsewhere' : changed ? 'changed' : 'unchanged';
    return note ? { outcome, note } : { outcome };
  }

  /**
   * Rings a source's doorbell (a webhook said it has changes); false when it has no source. On a
   * standby it does nothing: the worker holding the source's lease polls on its own within its interval.
   */
  wake(connector: string): boolean {
    return this.#sources.wake(connector);
  }

  /**
   * Ready, or 503 with every reason (see judgeReadiness): the processor's, its runners' and its
   * silent sources'; the sentinel's open alerts under `alerts` (see ProcessorHost.readinessWith).
   */
  readiness(): Promise<Readiness> {
    return this.#host.readinessWith({
      process: 'worker',
      phase: this.#phase,
      runners: this.#runnerViews(),
      // Drift left for people is a reason like a silent source: someone must act for tickets to move.
      silent: [...(this.#silence?.reasons() ?? []), ...this.#drift.open().map(driftReason)],
    });
  }

  #runnerViews(): RunnerView[] {
    const s = this.status();
    return [
      // A source's consumer is the lease's: failing to join it, the worker can neither run nor stand by.
      ...Object.entries(s.sources).map(([connector, r]) => ({
        connector,
        kind: 'source' as const,
        ...r,
        consumer: this.#sources.leaseHealth(connector),
      })),
      ...Object.entries(s.sinks).map(([connector, r]) => ({ connector, kind: 'sink' as const, ...r })),
    ];
  }

  /**
   * Gauges read at scrape time: pauses by reason and sink consumers failing, then the processor's
   * (tickets in state, Kafka and registry reachability, consumer lag per group: see
   * ProcessorHost.refreshGauges, which never throws).
   */
  async refreshGauges(): Promise<void> {
    for (const r of this.#runnerViews()) {
      for (const reason of PAUSE_REASONS)
        this.metrics.paused.set({ runner: `${r.connector}-${r.kind}`, reason }, r.pauses.includes(reason) ? 1 : 0);
      if (r.kind === 'sink')
        this.metrics.consumerFailing.set({ consumer: `${r.connector}-sink` }, r.consumer?.state === 'failing' ? 1 : 0);
    }
    for (const connector of this.#sources.connectors())
      this.metrics.consumerFailing.set(
        { consumer: `${connector}-source-lease` },
        this.#sources.leaseHealth(connector)?.state === 'failing' ? 1 : 0,
      );
    const { groupId } = this.#o.config.processor;
    await this.#host.refreshGauges(
      [...this.#sinkTopics].map(([name, topic]): GroupTopic => [`${groupId}.${name}-sink`, topic]),
    );
  }

  status(): WorkerStatus {
    return {
      tickets: this.#host.tickets(),
      sources: this.#sources.status(),
      sinks: Object.fromEntries([...this.#sinks].map(([n, r]) => [n, r.status()])),
    };
  }
}
