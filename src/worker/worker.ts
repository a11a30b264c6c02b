import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CloseloopConfig } from '../config/index.ts';
import { CloseloopError } from '../errors/index.ts';
import { AvroSerde, createKafkaMessaging, type Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import type { Readiness } from '../observability/ops-server.ts';
import { LifecycleProcessor } from '../processor/index.ts';
import { SinkRunner, SourceRunner, type SinkRunnerStatus, type SourceRunnerStatus } from '../runtime/index.ts';
import { RECORD_NAMES } from '../topics/index.ts';
import { checkConnector } from './connector-check.ts';

const SCHEMAS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');

export interface WorkerOptions {
  readonly config: CloseloopConfig;
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly messaging?: Messaging;
}

export interface WorkerStatus {
  readonly tickets: number;
  readonly sources: Record<string, SourceRunnerStatus>;
  readonly sinks: Record<string, SinkRunnerStatus>;
}

/**
 * One closeloop worker: the lifecycle processor plus a source and a sink runner for each
 * configured connector. Every connector's config is checked before anything starts, and all
 * problems are reported together.
 */
export class Worker {
  readonly #o: WorkerOptions;
  readonly #messaging: Messaging;
  readonly #serde: AvroSerde;
  readonly processor: LifecycleProcessor;
  readonly metrics = new Metrics();
  readonly #sources = new Map<string, SourceRunner<unknown>>();
  readonly #sinks = new Map<string, SinkRunner<unknown>>();
  readonly #sinkTopics = new Map<string, string>();

  constructor(options: WorkerOptions) {
    this.#o = options;
    const { config, logger } = options;
    this.#messaging =
      options.messaging ??
      createKafkaMessaging({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger });
    this.#serde = new AvroSerde({ ...config.schemaRegistry });
    this.processor = new LifecycleProcessor({
      config,
      logger,
      messaging: this.#messaging,
      serde: this.#serde,
      schemasDir: SCHEMAS,
      metrics: this.metrics,
    });
    this.#build();
  }

  #build(): void {
    const { config, logger } = this.#o;
    const env = this.#o.env ?? process.env;
    const problems: string[] = [];
    for (const instance of config.connectors) {
      const checked = checkConnector(instance, env, { credentials: true });
      const { definition: def, settings } = checked;
      problems.push(...checked.problems.map((p) => `connectors: ${p}`));
      if (!def || checked.problems.length > 0) continue;
      const ctx = { logger: logger.child({ connector: def.name }), env, clock: Date.now };
      if (instance.source && def.source && def.sourceTopic) {
        this.#sources.set(
          def.name,
          new SourceRunner({
            connector: def.name,
            cursorKey: `${def.name}:${config.jurisdiction}`,
            cursorTopic: config.topics.cursors,
            topic: config.topics[def.sourceTopic],
            source: def.source(settings, ctx),
            pollIntervalMs: instance.pollIntervalMs,
            messaging: this.#messaging,
            serde: this.#serde,
            logger,
            metrics: this.metrics,
          }),
        );
      }
      if (instance.sink && def.sink && def.sinkTopic) {
        this.#sinkTopics.set(def.name, config.topics[def.sinkTopic]);
        this.#sinks.set(
          def.name,
          new SinkRunner({
            connector: def.name,
            topic: config.topics[def.sinkTopic],
            recordName: RECORD_NAMES[def.sinkTopic],
            groupId: `${config.processor.groupId}.${def.name}-sink`,
            sink: def.sink(settings, ctx),
            maxInFlight: instance.maxInFlight,
            partitionsConcurrently: config.processor.partitions,
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
    // The processor creates the topics and registers the schemas the runners rely on.
    await this.processor.start();
    for (const r of this.#sources.values()) await r.start();
    for (const r of this.#sinks.values()) await r.start();
  }

  async stop(): Promise<void> {
    for (const r of this.#sources.values()) await r.stop().catch(() => undefined);
    for (const r of this.#sinks.values()) await r.stop().catch(() => undefined);
    await this.processor.stop();
  }

  /** Pauses (or resumes) a connector's source and sink; false when there is no such connector. */
  pause(connector: string): boolean {
    const runners = [this.#sources.get(connector), this.#sinks.get(connector)].filter((r) => r !== undefined);
    for (const r of runners) r.pause();
    return runners.length > 0;
  }

  resume(connector: string): boolean {
    const runners = [this.#sources.get(connector), this.#sinks.get(connector)].filter((r) => r !== undefined);
    for (const r of runners) r.resume();
    return runners.length > 0;
  }

  readiness(): Readiness {
    const s = this.status();
    const stopped = [...Object.entries(s.sources), ...Object.entries(s.sinks)]
      .filter(([, r]) => r.state === 'stopped')
      .map(([n]) => n);
    return {
      ready: this.processor.isReady() && stopped.length === 0,
      detail: { processorReady: this.processor.isReady(), stopped },
    };
  }

  /** Gauges read at scrape time: paused runners, tickets in state, consumer lag per group. */
  async refreshGauges(): Promise<void> {
    const s = this.status();
    this.metrics.ticketsInState.set(s.tickets);
    for (const [n, r] of Object.entries(s.sources))
      this.metrics.paused.set({ runner: `${n}-source` }, r.state === 'paused' ? 1 : 0);
    for (const [n, r] of Object.entries(s.sinks))
      this.metrics.paused.set({ runner: `${n}-sink` }, r.state === 'paused' ? 1 : 0);
    const { config } = this.#o;
    const groups: [string, string][] = [
      ...(['crmEvents', 'deptEvents', 'links'] as const).map((t): [string, string] => [
        config.processor.groupId,
        config.topics[t],
      ]),
      ...[...this.#sinkTopics].map(([name, topic]): [string, string] => [
        `${config.processor.groupId}.${name}-sink`,
        topic,
      ]),
    ];
    const admin = this.#messaging.admin();
    await admin.connect();
    try {
      for (const [group, topic] of groups) {
        const [ends, committed] = await Promise.all([admin.topicOffsets(topic), admin.groupOffsets(group, topic)]);
        let lag = 0n;
        for (const e of ends) {
          const c = committed.find((x) => x.partition === e.partition)?.offset ?? '-1';
          lag += BigInt(e.high) - (c === '-1' ? BigInt(e.low) : BigInt(c));
        }
        this.metrics.consumerLag.set({ group, topic }, Number(lag));
      }
    } finally {
      await admin.disconnect();
    }
  }

  status(): WorkerStatus {
    const tickets = [...this.processor.ticketsInState().values()].reduce((a, b) => a + b, 0);
    return {
      tickets,
      sources: Object.fromEntries([...this.#sources].map(([n, r]) => [n, r.status()])),
      sinks: Object.fromEntries([...this.#sinks].map(([n, r]) => [n, r.status()])),
    };
  }
}
