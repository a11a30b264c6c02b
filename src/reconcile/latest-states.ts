import type { TicketState } from '../domain/index.ts';
import { partitionFor, type AvroSerde, type Messaging, type MessagingAdmin } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { restorePartitions } from '../processor/restore.ts';

/**
 * The bridge's states as a run goes on. A run reads the changelog once at its start, and may
 * take half an hour: a ticket judged against that snapshot after it moved on (the department's
 * feed applied the very state a lookup now shows) would be recorded as drift it is not. So
 * before a finding is recorded, the ticket's state is read again, from its partition read again
 * whenever the changelog's end moved since it was last read (by age, a change within the last
 * read's age would be missed), and a ticket that changed since it was judged is left for the
 * next run.
 */
export class LatestStates {
  readonly #messaging: Messaging;
  readonly #admin: MessagingAdmin;
  readonly #serde: AvroSerde;
  readonly #topic: string;
  readonly #partitions: number;
  readonly #log: Logger;
  readonly #stores: Map<number, Map<string, TicketState>>;
  /** The changelog's end (high offset) as each partition was last read again; none before. */
  readonly #readTo = new Map<number, string>();

  constructor(o: {
    messaging: Messaging;
    admin: MessagingAdmin;
    serde: AvroSerde;
    topic: string;
    partitions: number;
    log: Logger;
    stores: Map<number, Map<string, TicketState>>;
  }) {
    this.#messaging = o.messaging;
    this.#admin = o.admin;
    this.#serde = o.serde;
    this.#topic = o.topic;
    this.#partitions = o.partitions;
    this.#log = o.log;
    this.#stores = o.stores;
  }

  /** Whether `t`, as judged, is still the ticket's latest state. */
  async unchanged(t: TicketState): Promise<boolean> {
    const p = partitionFor(t.ticketId, this.#partitions);
    // The end before the read: a change after it moves the end again, and is read next time.
    const end = (await this.#admin.topicOffsets(this.#topic)).find((o) => o.partition === p)?.high;
    if (end === undefined || end !== this.#readTo.get(p)) {
      const again = await restorePartitions(this.#messaging, this.#admin, this.#serde, this.#topic, [p], {
        log: this.#log,
        keyPartitions: this.#partitions,
      });
      this.#stores.set(p, again.stores.get(p) ?? new Map());
      if (end !== undefined) this.#readTo.set(p, end);
    }
    const latest = this.#stores.get(p)?.get(t.ticketId);
    return latest !== undefined && latest.version === t.version && latest.updatedAt === t.updatedAt;
  }
}
