import type { CloseloopConfig } from '../config/index.ts';
import { CloseloopError, messageOf } from '../errors/index.ts';
import type { AvroSerde, Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { combinedMetrics, Metrics } from '../observability/metrics.ts';
import type { Readiness } from '../observability/ops-server.ts';
import { CachedProbe } from '../observability/probe.ts';
import { consumerLag, reachBroker, reachRegistry, registryRefusal, type GroupTopic } from '../observability/reach.ts';
import { judgeReadiness, type ReadinessInput, type RunnerView } from '../observability/readiness.ts';
import { LifecycleProcessor } from './processor.ts';
import { SkippedWatch } from './skipped-watch.ts';
import { alertsSection } from './stuck-tickets.ts';
import type { CommitHook } from './task.ts';
import { ThreadedProcessor } from './threads.ts';

export interface ProcessorHostOptions {
  readonly config: CloseloopConfig;
  /** The file `config` came from; needed when processor.threads > 1 (each thread reads it). */
  readonly configFile?: string | undefined;
  readonly logger: Logger;
  /** The environment `config` was loaded with (the threads load it again with it). */
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly schemasDir: string;
  /** Fault injection for tests, without threads (each thread reads the fault variables itself). */
  readonly commitHook?: CommitHook | undefined;
  /** The process its alerts name as their source (default `closeloop-processor`). */
  readonly alertSource?: string | undefined;
}

/** What the process adds to the processor's readiness: a worker's phase, runners and silent sources. */
export interface ReadinessParts {
  readonly process: NonNullable<ReadinessInput['process']>;
  readonly phase: ReadinessInput['phase'];
  readonly runners?: readonly RunnerView[];
  readonly silent?: readonly string[];
}

/**
 * The lifecycle processor (on threads or not) as a process runs it, with what its ops port
 * answers for it: its metrics (the threads' added in), whether Kafka and the registry answer,
 * readiness with the stuck-ticket alerts open and the RECORDS_SKIPPED alerts not acknowledged
 * (its SkippedWatch, raising them for the processor's consumer), and the gauges read at scrape
 * time. The worker (`closeloop run`) adds its runners to these, and its sinks' consumers to the
 * watch; the processor run alone (`npm run processor`) serves them as they are, so it has the
 * same alarms for its part.
 */
export class ProcessorHost {
  readonly processor: LifecycleProcessor | ThreadedProcessor;
  readonly metrics = new Metrics();
  readonly #o: ProcessorHostOptions;
  readonly #broker: CachedProbe;
  readonly #registry: CachedProbe;
  /** RECORDS_SKIPPED for the processor's consumer, and for a worker's sinks (see SkippedWatch.add). */
  readonly skipped: SkippedWatch;
  #phase: ReadinessInput['phase'] = 'created';

  constructor(options: ProcessorHostOptions) {
    this.#o = options;
    const { config, logger } = options;
    // Cached, so readiness probes and scrapes cost Kafka and the registry one cheap call per TTL.
    this.#broker = new CachedProbe({
      check: () => reachBroker(options.messaging),
      onChange: (up, error) => {
        this.metrics.brokerUp.set(up ? 1 : 0);
        if (up) logger.info({ brokers: config.kafka.brokers }, 'kafka broker reachable');
        else logger.error({ brokers: config.kafka.brokers, error }, 'kafka broker unreachable');
      },
    });
    // Asked with the serde's URL and credentials (the config took any userinfo out of the URL),
    // so a registry behind auth is not reported down; its errors never carry a URL's userinfo.
    this.#registry = new CachedProbe({
      check: () => reachRegistry(config.schemaRegistry),
      onChange: (up, error) => {
        this.metrics.registryUp.set(up ? 1 : 0);
        if (up) logger.info('schema registry reachable');
        else if (registryRefusal(this.#registry.failure) !== null)
          logger.error({ error }, 'schema registry refuses our credentials');
        else logger.error({ error }, 'schema registry unreachable');
      },
    });
    this.processor = this.#processor();
    const health = () => this.processor.consumerHealth();
    this.skipped = new SkippedWatch({
      consumers: [{ consumer: 'processor', connector: null, departments: [], health }],
      source: options.alertSource ?? 'closeloop-processor',
      config,
      messaging: options.messaging,
      serde: options.serde,
      metrics: this.metrics,
      logger,
    });
  }

  #processor(): LifecycleProcessor | ThreadedProcessor {
    const { config, logger, messaging, serde, schemasDir, configFile, commitHook } = this.#o;
    const common = { config, logger, messaging, serde, schemasDir };
    if (config.processor.threads === 1)
      return new LifecycleProcessor({ ...common, metrics: this.metrics, ...(commitHook ? { commitHook } : {}) });
    if (configFile === undefined) {
      throw new CloseloopError(
        'CL_CONFIG_INVALID',
        'processor.threads > 1 needs the config file: each processor thread loads it for itself',
      );
    }
    return new ThreadedProcessor({ ...common, configFile, env: this.#o.env ?? process.env, metrics: true });
  }

  async start(): Promise<void> {
    this.#phase = 'starting';
    await this.processor.start();
    // After the processor's start: it creates the alerts topic the watch reads back.
    await this.skipped.start(1_000);
    this.#phase = 'running';
  }

  async stop(): Promise<void> {
    this.#phase = 'stopping';
    // The watch stops last, so that it raises what the consumers skipped up to their stop.
    this.skipped.collect();
    await this.processor.stop();
    await this.skipped.stop();
  }

  /**
   * The Prometheus exposition: the registry, with each processor thread's metrics added in when
   * the processor runs on threads (see combinedMetrics).
   */
  async metricsText(): Promise<string> {
    if (!(this.processor instanceof ThreadedProcessor)) return this.metrics.registry.metrics();
    return combinedMetrics(this.metrics.registry, await this.processor.metricSnapshots());
  }

  /** The processor run alone: its readiness as its own phase has it, with no runners. */
  readiness(): Promise<Readiness> {
    return this.readinessWith({ process: 'processor', phase: this.#phase });
  }

  /**
   * Ready, or 503 with every reason (see judgeReadiness); Kafka and the registry are checked. The
   * sentinel's open alerts come apart, under `alerts`, and leave `ready` as it is.
   */
  async readinessWith(parts: ReadinessParts): Promise<Readiness> {
    const [brokerUp, registryUp] = await Promise.all([this.#broker.up(), this.#registry.up()]);
    const runners = parts.runners ?? [];
    const verdict = judgeReadiness({
      process: parts.process,
      phase: parts.phase,
      processorReady: this.processor.isReady(),
      processorConsumer: this.processor.consumerHealth(),
      brokerUp,
      registryUp,
      registryRefused: registryRefusal(this.#registry.failure),
      runners,
      silent: parts.silent ?? [],
      skipped: this.skipped.reasons(),
    });
    return {
      ready: verdict.ready,
      detail: {
        reasons: verdict.reasons,
        processorReady: this.processor.isReady(),
        broker: brokerUp ? 'up' : 'down',
        registry: registryUp ? 'up' : 'down',
        runners: runners.map((r) => ({
          runner: `${r.connector}-${r.kind}`,
          state: r.state,
          pausedBy: r.pausedBy,
          pauseDetail: r.pauseDetail ?? null,
        })),
        alerts: alertsSection(this.processor.stuckTickets()),
      },
    };
  }

  /** Tickets held, over every owned partition. */
  tickets(): number {
    return [...this.processor.ticketsInState().values()].reduce((a, b) => a + b, 0);
  }

  /**
   * Gauges read at scrape time: tickets in state, the processor's consumer failing, Kafka and
   * registry reachability, and consumer lag of the processor's group and of `groups` (a worker's
   * sinks). Never throws: with Kafka down the scrape still answers, with closeloop_broker_up 0
   * and no lag figures (old ones would be taken for current).
   */
  async refreshGauges(groups: readonly GroupTopic[] = []): Promise<void> {
    this.metrics.ticketsInState.set(this.tickets());
    const processor = this.processor.consumerHealth();
    this.metrics.consumerFailing.set({ consumer: 'processor' }, processor?.state === 'failing' ? 1 : 0);
    const [brokerUp] = await Promise.all([this.#broker.up(), this.#registry.up()]);
    if (!brokerUp) {
      this.metrics.consumerLag.reset();
      return;
    }
    const { config } = this.#o;
    const inputs = (['crmEvents', 'deptEvents', 'links'] as const).map((t): GroupTopic => [
      config.processor.groupId,
      config.topics[t],
    ]);
    try {
      for (const { group, topic, lag } of await consumerLag(this.#o.messaging, [...inputs, ...groups]))
        this.metrics.consumerLag.set({ group, topic }, lag);
    } catch (err) {
      this.metrics.consumerLag.reset();
      this.#broker.report(false, messageOf(err));
    }
  }
}
