import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ConsumerHealth } from '../messaging/index.ts';
import { OpsServer, type Readiness } from '../observability/ops-server.ts';
import { consumerFailing, type ReadinessVerdict } from '../observability/readiness.ts';

/** The feed consumer's name in readiness and in closeloop_consumer_failing{consumer}. */
export const FEED_CONSUMER = 'status-feed';

/** What the ops surface reads of the feed (StatusFeed has it). */
export interface FeedView {
  readonly caughtUp: boolean;
  readonly undecodable: number;
  readonly unbelievedDates: number;
  health(): ConsumerHealth | null;
}

export interface StatusReadinessInput {
  readonly phase: 'starting' | 'running' | 'stopping';
  readonly caughtUp: boolean;
  /** null before the feed has made its consumer. */
  readonly consumer: ConsumerHealth | null;
}

/**
 * Ready means the answers are current: the public server is up and the projection has caught up
 * with the topics and goes on reading them. A feed consumer that keeps failing leaves the pages
 * serving what they had, so it is a reason too, as the worker's consumers are.
 */
export function judgeStatusReadiness(input: StatusReadinessInput): ReadinessVerdict {
  const reasons: string[] = [];
  if (input.phase !== 'running') reasons.push(`status api ${input.phase}`);
  if (!input.caughtUp) reasons.push('status feed not caught up');
  const failing = consumerFailing(input.consumer);
  if (failing) reasons.push(`status feed consumer ${failing}`);
  return { ready: reasons.length === 0, reasons };
}

/**
 * The status API's own metrics: the worker's Metrics are about the processor and connectors,
 * none of which runs here. Labels name the consumer only, never a ticket or a citizen.
 */
export class StatusApiMetrics {
  readonly registry = new Registry();
  readonly consumerFailing: Gauge<'consumer'>;
  readonly caughtUp: Gauge;
  readonly tickets: Gauge;
  readonly undecodable: Counter;
  readonly unbelievedDates: Counter;

  constructor(options: { defaults?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaults ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'closeloop_' });
    this.consumerFailing = new Gauge({
      name: 'closeloop_consumer_failing',
      help: '1 while the status feed consumer has failed to join its group, fetch or handle batches for longer than processor.consumerFailingAfterMs; readiness says what.',
      labelNames: ['consumer'],
      registers,
    });
    this.caughtUp = new Gauge({
      name: 'closeloop_status_feed_caught_up',
      help: '1 once the status projection holds everything its topics had when the process started.',
      registers,
    });
    this.tickets = new Gauge({
      name: 'closeloop_status_api_tickets',
      help: 'Tickets the public status API serves (the projection of bridge.ticket-status.v1).',
      registers,
    });
    this.undecodable = new Counter({
      name: 'closeloop_status_feed_undecodable_total',
      help: 'Status and CRM event records the status feed skipped: they do not decode, or the processor refuses them.',
      registers,
    });
    this.unbelievedDates = new Counter({
      name: 'closeloop_status_feed_unbelieved_dates_total',
      help: 'CRM events whose due date the status feed left out: before 2000 or over ten years after the event.',
      registers,
    });
  }
}

export interface StatusOpsOptions {
  readonly host: string;
  readonly port: number;
  readonly feed: FeedView;
  readonly projection: { readonly size: number };
  /** Node's default metrics (default true); tests leave them out. */
  readonly defaultMetrics?: boolean;
}

/**
 * /metrics, /health/live and /health/ready of the status API, on a listener of their own beside
 * the public port: reasons and figures are for operators, not for the public. Bound before the
 * feed starts, so readiness says "status feed not caught up" while it restores.
 */
export class StatusOps {
  readonly metrics: StatusApiMetrics;
  readonly #o: StatusOpsOptions;
  readonly #server: OpsServer;
  #phase: StatusReadinessInput['phase'] = 'starting';
  #counted = 0;
  #countedDates = 0;

  constructor(options: StatusOpsOptions) {
    this.#o = options;
    this.metrics = new StatusApiMetrics({ defaults: options.defaultMetrics ?? true });
    this.#server = new OpsServer({
      host: options.host,
      port: options.port,
      portKey: 'statusApi.ops.port',
      metrics: this.metrics,
      readiness: () => this.readiness(),
      beforeScrape: async () => this.refreshGauges(),
    });
  }

  start(): Promise<string> {
    return this.#server.start();
  }

  /** The public server is listening. */
  running(): void {
    this.#phase = 'running';
  }

  async stop(): Promise<void> {
    this.#phase = 'stopping';
    await this.#server.stop();
  }

  readiness(): Readiness {
    const { feed } = this.#o;
    const consumer = feed.health();
    const verdict = judgeStatusReadiness({ phase: this.#phase, caughtUp: feed.caughtUp, consumer });
    return {
      ready: verdict.ready,
      detail: {
        reasons: verdict.reasons,
        caughtUp: feed.caughtUp,
        consumer: consumer?.state ?? 'starting',
        tickets: this.#o.projection.size,
        undecodable: feed.undecodable,
        unbelievedDates: feed.unbelievedDates,
      },
    };
  }

  /** Gauges read at scrape time from the feed and the projection. */
  refreshGauges(): void {
    const { feed } = this.#o;
    this.metrics.consumerFailing.set({ consumer: FEED_CONSUMER }, feed.health()?.state === 'failing' ? 1 : 0);
    this.metrics.caughtUp.set(feed.caughtUp ? 1 : 0);
    this.metrics.tickets.set(this.#o.projection.size);
    // The feed keeps a running count; the counter takes what it added since the last scrape.
    const skipped = feed.undecodable - this.#counted;
    if (skipped > 0) this.metrics.undecodable.inc(skipped);
    this.#counted = feed.undecodable;
    const unbelieved = feed.unbelievedDates - this.#countedDates;
    if (unbelieved > 0) this.metrics.unbelievedDates.inc(unbelieved);
    this.#countedDates = feed.unbelievedDates;
  }
}
