import { subjectForTopic, type AvroSerde, type IncomingRecord, type MessageProducer } from '../messaging/index.ts';
import type { DeliveryReceipt } from '../domain/index.ts';

/** What a delivered record says of itself: a status carries its version, a command its id. */
function identify(value: unknown): Pick<DeliveryReceipt, 'version' | 'commandId'> & { jurisdiction: string } {
  const v = (value ?? {}) as { version?: unknown; commandId?: unknown; envelope?: { jurisdiction?: unknown } };
  return {
    jurisdiction: typeof v.envelope?.jurisdiction === 'string' ? v.envelope.jurisdiction : '',
    version: typeof v.version === 'number' ? v.version : null,
    commandId: typeof v.commandId === 'string' ? v.commandId : null,
  };
}

/**
 * The receipts of one batch: what the sink delivered or dead-lettered, written to the
 * deliveries topic before the batch's offsets are committed. The processor reads them to know
 * which status the CRM has confirmed, so a status that never arrives raises an alert instead of
 * passing unnoticed. A crash between delivery and receipt redelivers the record, and its
 * receipt comes then: receipts are at least once, and idempotent by version.
 */
export class Receipts {
  readonly #pending: { key: string; value: DeliveryReceipt }[] = [];
  readonly #connector: string;
  readonly #topic: string;

  constructor(connector: string, topic: string) {
    this.#connector = connector;
    this.#topic = topic;
  }

  add(record: IncomingRecord, value: unknown, outcome: DeliveryReceipt['outcome']): void {
    const ticketId = record.key?.toString('utf8');
    if (!ticketId) return;
    const { jurisdiction, version, commandId } = identify(value);
    this.#pending.push({
      key: ticketId,
      value: {
        envelope: {
          eventId: `${record.topic}:${record.partition}:${record.offset}/receipt`,
          jurisdiction,
          source: this.#connector,
          sequence: null,
          occurredAt: Date.now(),
          origin: 'closeloop',
          correlationId: null,
        },
        ticketId,
        connector: this.#connector,
        topic: record.topic,
        version,
        commandId,
        outcome,
      },
    });
  }

  async flush(producer: MessageProducer | null, serde: AvroSerde): Promise<void> {
    if (this.#pending.length === 0 || !producer) return;
    const subject = subjectForTopic(this.#topic);
    const records = await Promise.all(
      this.#pending.map(async (r) => ({ key: r.key, value: await serde.encode(subject, r.value) })),
    );
    await producer.send(this.#topic, records);
    this.#pending.length = 0;
  }
}
