/**
 * Plan items made into the records a foreign client sends: encoded with the shipped schema or a
 * city's own version of it (registered by a serde of the city's, as foreign-writer.test.ts's
 * city does), then spoilt as the item's fault says.
 */
import type { CloseloopConfig } from '../../../src/config/index.ts';
import type { InboundEvent } from '../../../src/domain/index.ts';
import { AvroSerde, subjectForTopic } from '../../../src/messaging/index.ts';
import type { ForeignInput } from '../../../src/topics/index.ts';
import { shippedSchema } from '../in-memory-processor.ts';
import { spoilKey, spoilValue, type Fault, type Header } from './faults.ts';

type Variant = 'plain' | 'extra-field' | 'bytes-text';

/** Whose text fields a bytes-text variant writes as bytes. */
const TEXT_FIELDS: Record<ForeignInput, readonly string[]> = {
  crmEvents: ['description', 'note'],
  deptEvents: ['note'],
};

export class Writers {
  readonly #url: string;
  readonly #config: CloseloopConfig;
  readonly #serdes = new Map<string, AvroSerde>();
  readonly #ids = new Map<ForeignInput, number>();

  constructor(url: string, config: CloseloopConfig) {
    this.#url = url;
    this.#config = config;
  }

  /** The serde of one writer of `input`, its schema registered the first time it is asked for. */
  async #serde(input: ForeignInput, variant: Variant): Promise<AvroSerde> {
    const key = `${input}:${variant}`;
    const known = this.#serdes.get(key);
    if (known) return known;
    const topic = this.#config.topics[input];
    const schema = await shippedSchema(input === 'crmEvents' ? 'crm.ticket-events.v1' : 'dept.work-order-events.v1');
    if (variant === 'extra-field')
      schema.fields.push({ name: 'cityRef', type: ['null', 'string'], default: null } as never);
    for (const f of schema.fields)
      if (variant === 'bytes-text' && TEXT_FIELDS[input].includes(f.name)) f.type = ['null', 'bytes'];
    const serde = new AvroSerde({ url: this.#url, retries: 0, unknownIdWaitMs: 0 });
    const id = await serde.register(subjectForTopic(topic), schema);
    if (variant === 'plain') this.#ids.set(input, id);
    this.#serdes.set(key, serde);
    return serde;
  }

  /** The shipped schema's id of each foreign input, registered as the processor registered it. */
  async ready(): Promise<void> {
    await this.#serde('crmEvents', 'plain');
    await this.#serde('deptEvents', 'plain');
  }

  /** The event's record as `input`'s writer (the city's version when the fault is one) writes it. */
  async encode(input: ForeignInput, e: InboundEvent, f: Fault | null): Promise<Buffer> {
    const variant: Variant = f?.k === 'variant' ? f.variant : 'plain';
    const serde = await this.#serde(input, variant);
    const value: Record<string, unknown> = e.type === 'dept' ? { departmentRef: null, ...e.event } : { ...e.event };
    if (variant === 'extra-field') value['cityRef'] = 'X-9';
    if (variant === 'bytes-text') {
      for (const name of TEXT_FIELDS[input]) {
        const text = value[name];
        if (typeof text === 'string') value[name] = Buffer.from(text);
      }
    }
    return serde.encode(subjectForTopic(this.#config.topics[input]), value);
  }

  /** The schema id of the other foreign input's subject: a real id, of another record. */
  otherId(input: ForeignInput): number {
    return this.#ids.get(input === 'crmEvents' ? 'deptEvents' : 'crmEvents') ?? 0;
  }
}

/** Whether the event carries text a bytes-text variant writes as bytes. */
export function hasText(e: InboundEvent): boolean {
  const v = e.event as unknown as Record<string, unknown>;
  return TEXT_FIELDS[e.type === 'crm' ? 'crmEvents' : 'deptEvents'].some((f) => typeof v[f] === 'string');
}

/** Key, value and headers of the record as sent. */
export interface Spoilt {
  readonly key: string | Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly Header[];
}

export function spoil(
  encoded: Buffer,
  ticketId: string,
  otherTicket: string,
  f: Fault | null,
  otherId: number,
): Spoilt {
  return {
    key: spoilKey(ticketId, f, otherTicket),
    value: spoilValue(encoded, f, otherId),
    headers: f?.k === 'headers' ? f.headers : f?.k === 'giant' ? [['x-giant', Buffer.alloc(f.size, 0x5a)]] : [],
  };
}
