import path from 'node:path';
import type { CloseloopConfig } from '../config/index.ts';
import type { KpiRecord } from '../domain/kpi/index.ts';
import {
  readSchemaFile,
  readToEnd,
  SHIPPED_SCHEMAS,
  subjectForTopic,
  type AvroSerde,
  type Messaging,
  type MessagingAdmin,
  type OutgoingRecord,
} from '../messaging/index.ts';
import { CANONICAL, topicSpecs } from '../topics/index.ts';

/** The KPI topic's key: one record per department and month, the latest computation kept. */
export const kpiKey = (r: Pick<KpiRecord, 'department' | 'month'>): string => `${r.department}|${r.month}`;

export interface PublishOptions {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  /** YYYY-MM. */
  readonly month: string;
  readonly schemasDir?: string;
}

export interface Published {
  /** Records written: one per department with figures. */
  readonly published: number;
  /** Departments of the month the topic held a record for and that have no figures now: tombstoned. */
  readonly withdrawn: number;
}

/**
 * Keys of `month` whose latest record on the KPI topic is not a tombstone. Keys alone are read, not
 * values: a record nobody can decode still holds that department's place in the month.
 */
async function heldKeys(messaging: Messaging, admin: MessagingAdmin, topic: string, month: string) {
  const held = new Set<string>();
  const suffix = `|${month}`;
  await readToEnd(messaging, admin, topic, 'all', (r) => {
    const key = r.key?.toString();
    if (key === undefined || !key.endsWith(suffix)) return;
    if (r.value === null) held.delete(key);
    else held.add(key);
  });
  return held;
}

/**
 * Makes the month on the compacted KPI topic exactly what this run computed: its records, and a
 * tombstone for each department the topic still held for the month that has no figures now (its
 * tickets moved, or a rule changed). Otherwise a stale record of an earlier run would stand for
 * good beside the new ones. Both go in one transaction, so a reader never sees the month half
 * replaced. Runs of the same month share a transactional id: claiming it before the topic is read
 * aborts an older run still writing, so no record of it can land after this run's read.
 * The topic and schema may be newer than the running processor, so both are ensured here.
 */
export async function publishMonth(
  o: PublishOptions,
  admin: MessagingAdmin,
  records: readonly KpiRecord[],
): Promise<Published> {
  const topic = o.config.topics.kpi;
  if (records.length === 0 && !(await admin.listTopics()).includes(topic)) return { published: 0, withdrawn: 0 };
  await admin.ensureTopics(topicSpecs(o.config).filter((s) => s.topic === topic));
  const out: OutgoingRecord[] = [];
  if (records.length > 0) {
    const subject = subjectForTopic(topic);
    const file = await readSchemaFile(path.join(o.schemasDir ?? SHIPPED_SCHEMAS, `${CANONICAL.kpi}.avsc`));
    await o.serde.register(subject, file.schema);
    for (const r of records) out.push({ key: kpiKey(r), value: await o.serde.encode(subject, r) });
  }
  const producer = o.messaging.transactionalProducer(`${topic}/${o.month}`);
  await producer.connect();
  try {
    await producer.fence();
    const computed = new Set(records.map(kpiKey));
    const stale = [...(await heldKeys(o.messaging, admin, topic, o.month))].filter((k) => !computed.has(k));
    const tombstones = stale.sort().map((key) => ({ key, value: null }));
    if (out.length + tombstones.length === 0) return { published: 0, withdrawn: 0 };
    const tx = await producer.begin();
    try {
      await tx.send(topic, [...out, ...tombstones]);
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
    return { published: out.length, withdrawn: tombstones.length };
  } finally {
    await producer.disconnect();
  }
}
