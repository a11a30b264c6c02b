import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { CloseloopConfig } from '../config/index.ts';
import { isCloseloopError, messageOf } from '../errors/index.ts';
import {
  SHIPPED_SCHEMAS,
  readSchemaFile,
  type AvroSerde,
  type ConsumerHealth,
  type MessageConsumer,
  type Messaging,
  type MessagingAdmin,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { toInbound } from '../processor/inbound.ts';
import { CANONICAL, RECORD_NAMES } from '../topics/index.ts';
import type { ServiceDefinition } from './georeport.ts';
import type { StatusProjection, StatusRecord } from './projection.ts';
import type { CrmFactSource, RequestFacts } from './request-facts.ts';

export interface StatusListener {
  applyStatus(record: StatusRecord): void;
  removeTicket(ticketId: string): void;
}

interface Applier {
  /** Why a date of the record was not believed (and left out), or null. */
  apply(value: Buffer, key: Buffer | null): Promise<string | null>;
  remove(ticketId: string): void;
}

export interface StatusFeedOptions {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly projection: StatusProjection;
  /** When given, the CRM events topic is read too, for names, channels and public locations. */
  readonly facts?: RequestFacts;
  /** Also told of every status record and tombstone (the public figures keep their own view). */
  readonly onStatus?: StatusListener;
  readonly logger: Logger;
}

/**
 * Keeps a projection of bridge.ticket-status.v1 (and, with `facts`, of the CRM's public facts),
 * read from the beginning by a group of this instance's own, so every replica holds every ticket.
 * CRM events carry the citizen's description; RequestFacts copies only the public fields, so the
 * description is dropped before anything is kept. The CRM's producer is not closeloop: its events
 * are read as the processor reads them (decodeAs against the shipped schema), so a writer in
 * microseconds or without a defaulted field publishes the dates and nulls the processor decides
 * on, and a writer the processor refuses (CL_SCHEMA_MISMATCH, dead-lettered there) is skipped here,
 * as is an event the processor refuses after decoding it (toInbound: CL_RECORD_INVALID).
 */
export class StatusFeed {
  readonly #o: StatusFeedOptions;
  readonly #log: Logger;
  #consumer: MessageConsumer | null = null;
  #admin: MessagingAdmin | null = null;
  #targets = new Map<string, bigint>();
  #caughtUp = false;
  #undecodable = 0;
  #unbelievedDates = 0;

  constructor(options: StatusFeedOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'status-feed' });
  }

  /** Resolves once the projection holds everything the topic had when the feed started. */
  async start(): Promise<void> {
    const { config, messaging } = this.#o;
    this.#admin = messaging.admin();
    await this.#admin.connect();
    const facts = this.#o.facts;
    const { projection, serde } = this.#o;
    const appliers = new Map<string, Applier>([
      [
        config.topics.status,
        {
          apply: async (v) => {
            const record = (await serde.decode<StatusRecord>(v)).value;
            projection.apply(record);
            this.#o.onStatus?.applyStatus(record);
            return null;
          },
          remove: (id) => {
            projection.remove(id);
            this.#o.onStatus?.removeTicket(id);
          },
        },
      ],
    ]);
    if (facts) {
      // The status API registers nothing; the shipped schema is what its CRM events are read as.
      serde.readAs((await readSchemaFile(path.join(SHIPPED_SCHEMAS, `${CANONICAL.crmEvents}.avsc`))).schema);
      appliers.set(config.topics.crmEvents, {
        apply: async (v, key) => {
          const value = (await serde.decodeAs<CrmFactSource>(v, RECORD_NAMES.crmEvents)).value;
          // The processor's own checks (key is the ticket id, identifiers not too long, a kind it
          // knows): an event it dead-letters never changes the ticket, so it is not published.
          toInbound('crmEvents', key === null ? null : key.toString('utf8'), value);
          return facts.apply(value);
        },
        remove: (id) => void facts.remove(id),
      });
    }
    for (const topic of appliers.keys()) {
      for (const p of await this.#admin.topicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) this.#targets.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
    let signal: () => void = () => undefined;
    const caughtUp = new Promise<void>((resolve) => (signal = resolve));
    const check = () => {
      if (this.#targets.size === 0 && !this.#caughtUp) {
        this.#caughtUp = true;
        signal();
      }
    };
    this.#consumer = messaging.consumer({
      groupId: `${config.processor.groupId}.status-api.${randomUUID()}`,
      // The same grace as the worker's consumers: past it, readiness and the gauge say failing.
      failingAfterMs: config.processor.consumerFailingAfterMs,
    });
    await this.#consumer.connect();
    await this.#consumer.subscribe([...appliers.keys()], { fromBeginning: true });
    await this.#consumer.run({
      eachBatch: async (batch) => {
        const apply = appliers.get(batch.topic);
        for (const r of batch.records) {
          try {
            // A tombstone: the ticket expired from the bridge and is no longer served.
            if (r.value === null) {
              if (r.key !== null) apply?.remove(r.key.toString('utf8'));
            } else {
              const doubt = (await apply?.apply(r.value, r.key)) ?? null;
              // The rest of the event is published; the date is left out, and an alert rule can
              // watch the count, as the processor's IMPLAUSIBLE_TIME quarantine is watched.
              if (doubt !== null) {
                this.#unbelievedDates += 1;
                this.#log.warn(
                  { topic: batch.topic, partition: r.partition, offset: r.offset, doubt },
                  'CRM date not believed',
                );
              }
            }
          } catch (err) {
            // An outage (the registry unreachable) passes: thrown, the batch is read again, and the
            // consumer's health says failing once it lasts. Skipping would lose the status for good.
            if (isCloseloopError(err) && err.retriable) {
              await this.#keepPlace(batch.topic, r.partition, r.offset);
              throw err;
            }
            // A status the bridge wrote that it cannot read is a bug to see; a CRM event refused
            // (CL_SCHEMA_MISMATCH: another record, a unit no timestamp-millis; CL_RECORD_INVALID: no
            // key, an id too long, a kind from a newer schema) is the CRM's, and the processor
            // dead-letters the same record. Neither is a reason to stop serving: the
            // ticket keeps what was known of it, and the count is what an alert rule watches.
            this.#undecodable += 1;
            this.#log.warn(
              {
                topic: batch.topic,
                partition: r.partition,
                offset: r.offset,
                code: isCloseloopError(err) ? err.code : null,
                err: messageOf(err),
              },
              batch.topic === config.topics.status ? 'status record skipped' : 'CRM event skipped',
            );
          }
        }
      },
      // Transaction markers never reach eachBatch; the position tells how far we are.
      onPosition: (p) => {
        const key = `${p.topic}/${p.partition}`;
        const target = this.#targets.get(key);
        if (target !== undefined && BigInt(p.next) >= target) this.#targets.delete(key);
        check();
      },
    });
    check();
    await caughtUp;
    this.#log.info({ tickets: this.#o.projection.size }, 'status projection caught up');
  }

  /**
   * The feed commits nothing while it reads well: every start reads from the beginning in a group
   * of its own. A failed batch is read again from the committed offset, so before failing one the
   * feed commits where it stopped; else each retry in an outage would read the partition from its
   * start and apply everything before the record again. A failed commit only costs that reread.
   */
  async #keepPlace(topic: string, partition: number, offset: string): Promise<void> {
    try {
      await this.#consumer?.commitOffsets([{ topic, partition, offset }]);
    } catch (err) {
      this.#log.warn({ topic, partition, err: messageOf(err) }, 'status feed position not kept');
    }
  }

  get caughtUp(): boolean {
    return this.#caughtUp;
  }

  /** The feed consumer's health; null before it is made. */
  health(): ConsumerHealth | null {
    return this.#consumer?.health() ?? null;
  }

  get undecodable(): number {
    return this.#undecodable;
  }

  /** CRM events whose due date was left out as no date the CRM can have meant. */
  get unbelievedDates(): number {
    return this.#unbelievedDates;
  }

  async stop(): Promise<void> {
    await this.#consumer?.disconnect();
    await this.#admin?.disconnect();
  }
}

/** /services.json from the routing table: every routed service code and its departments. */
export function servicesFromRouting(config: CloseloopConfig): ServiceDefinition[] {
  return Object.entries(config.policy.routing)
    .map(([code, targets]) => {
      const name = code
        .replace(/^SR-/, '')
        .toLowerCase()
        .replace(/[-_]+/g, ' ')
        .replace(/^./, (c) => c.toUpperCase());
      const group = targets[0]?.department ?? 'unassigned';
      return {
        service_code: code,
        service_name: name,
        description: `${name}; handled by ${targets.map((t) => t.department).join(', then ')}.`,
        group,
      };
    })
    .sort((a, b) => a.service_code.localeCompare(b.service_code));
}
