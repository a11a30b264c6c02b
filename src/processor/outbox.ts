import type { CloseloopConfig } from '../config/index.ts';
import type { AlertRecord } from '../domain/index.ts';
import { subjectForTopic, type AvroSerde, type OutgoingRecord } from '../messaging/index.ts';
import type { CANONICAL } from '../topics/index.ts';

/** The records one transaction of a task will write, grouped by topic. */
export class Outbox {
  readonly records = new Map<string, OutgoingRecord[]>();
  /** The alerts among them, counted once the transaction commits. */
  readonly alerts: AlertRecord[] = [];
  readonly config: CloseloopConfig;
  readonly serde: AvroSerde;

  constructor(config: CloseloopConfig, serde: AvroSerde) {
    this.config = config;
    this.serde = serde;
  }

  emit(topic: string, record: OutgoingRecord): void {
    const list = this.records.get(topic);
    if (list) list.push(record);
    else this.records.set(topic, [record]);
  }

  async encode(name: keyof typeof CANONICAL, key: string, value: object): Promise<void> {
    const topic = this.config.topics[name];
    this.emit(topic, { key, value: await this.serde.encode(subjectForTopic(topic), value) });
  }

  /** How many records go to a topic. */
  count(topic: string): number {
    return this.records.get(topic)?.length ?? 0;
  }
}
