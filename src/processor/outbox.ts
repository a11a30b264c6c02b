import type { CloseloopConfig } from '../config/index.ts';
import type { AlertRecord, Decision } from '../domain/index.ts';
import { subjectForTopic, type AvroSerde, type OutgoingRecord } from '../messaging/index.ts';
import { stateToRecord } from './codec.ts';
import type { CANONICAL } from '../topics/index.ts';

/** The records one transaction of a task will write, grouped by topic. */
export class Outbox {
  readonly records = new Map<string, OutgoingRecord[]>();
  /** The alerts among them, counted once the transaction commits. */
  readonly alerts: AlertRecord[] = [];
  readonly #config: CloseloopConfig;
  readonly #serde: AvroSerde;

  constructor(config: CloseloopConfig, serde: AvroSerde) {
    this.#config = config;
    this.#serde = serde;
  }

  emit(topic: string, record: OutgoingRecord): void {
    const list = this.records.get(topic);
    if (list) list.push(record);
    else this.records.set(topic, [record]);
  }

  async encode(name: keyof typeof CANONICAL, key: string, value: object): Promise<void> {
    const topic = this.#config.topics[name];
    this.emit(topic, { key, value: await this.#serde.encode(subjectForTopic(topic), value) });
  }

  /**
   * Everything a decision writes: the changelog record (a tombstone when the ticket is
   * forgotten) when the state changed, then statuses, commands, links and violations. The
   * changelog partition is the task's, whatever a foreign producer's partitioner did with the
   * input, so the restore of this task finds it.
   */
  async decision(ticketId: string, prev: unknown, d: Decision, partition: number): Promise<void> {
    if (d.stateChanged || (prev !== null && d.state === null)) {
      const topic = this.#config.topics.state;
      const value = d.state ? await this.#serde.encode(subjectForTopic(topic), stateToRecord(d.state)) : null;
      this.emit(topic, { key: ticketId, value, partition });
    }
    for (const s of d.statuses) await this.encode('status', s.ticketId, s);
    for (const c of d.commands) await this.encode('commands', c.ticketId, c);
    for (const l of d.links) await this.encode('links', l.ticketId, l);
    for (const v of d.violations) await this.encode('quarantine', v.ticketId, v);
    for (const a of d.alerts) await this.encode('alerts', a.alertId, a);
    this.alerts.push(...d.alerts);
  }
}
