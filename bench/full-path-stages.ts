// Where the full path's time goes, per applied status: from the simulator's change to the
// source's record (poll wait and publish), from there to the processor's status record (the
// source transaction's commit, the processor's fetch, decide and encode), and from there to the
// CRM applying it (the processor's commit, the sink's fetch and the HTTP call). Kafka record
// timestamps are the producer's clock at send, on this same machine, so the stages add up.
import type { CloseloopConfig } from '../src/config/index.ts';
import { nearestRank } from '../src/domain/kpi/index.ts';
import { readToEnd, type AvroSerde, type Messaging } from '../src/messaging/index.ts';
import type { CrmSimulator } from '../connectors/crm-rest/simulator.ts';
import type { PosseSimulator } from '../connectors/posse/simulator.ts';

export interface StageLatencies {
  /** p50 / p99 of each stage, ms. */
  readonly source: readonly [number, number];
  readonly processor: readonly [number, number];
  readonly sink: readonly [number, number];
}

interface EnvelopeOnly {
  readonly envelope: { readonly eventId: string; readonly correlationId: string | null };
}

async function timestamps(
  messaging: Messaging,
  serde: AvroSerde,
  topic: string,
  id: (e: EnvelopeOnly['envelope']) => string | null,
): Promise<Map<string, number>> {
  const admin = messaging.admin();
  await admin.connect();
  const out = new Map<string, number>();
  try {
    await readToEnd(messaging, admin, topic, 'all', async (r) => {
      const { value } = await serde.decode<EnvelopeOnly>(r.value);
      const key = id(value.envelope);
      // The first record per id: a status is caused once, a repeat is not a new latency.
      if (key !== null && !out.has(key)) out.set(key, Number(r.timestamp));
    });
  } finally {
    await admin.disconnect();
  }
  return out;
}

const p = (sorted: number[], q: number) => Math.round(nearestRank(sorted, q) ?? Number.NaN);
const pair = (xs: number[]): readonly [number, number] => {
  xs.sort((a, b) => a - b);
  return [p(xs, 50), p(xs, 99)];
};

export async function stageLatencies(
  messaging: Messaging,
  serde: AvroSerde,
  config: CloseloopConfig,
  crm: CrmSimulator,
  posse: PosseSimulator,
  counts: (eventAt: number) => boolean = () => true,
): Promise<StageLatencies> {
  const [crmIn, deptIn, status] = await Promise.all([
    timestamps(messaging, serde, config.topics.crmEvents, (e) => e.eventId),
    timestamps(messaging, serde, config.topics.deptEvents, (e) => e.eventId),
    timestamps(messaging, serde, config.topics.status, (e) => e.correlationId),
  ]);
  const source: number[] = [];
  const processor: number[] = [];
  const sink: number[] = [];
  for (const a of crm.applied) {
    const m = /^(crm-rest|posse):[^:]+:(\d+)$/.exec(a.correlationId ?? '');
    if (!m || a.correlationId === null) continue;
    const seq = Number(m[2]);
    const at = m[1] === 'crm-rest' ? crm.changes[seq - 1]?.at : posse.changes[seq - 1]?.at;
    const published = (m[1] === 'crm-rest' ? crmIn : deptIn).get(a.correlationId);
    const decided = status.get(a.correlationId);
    if (at === undefined || !counts(at) || published === undefined || decided === undefined) continue;
    source.push(published - at);
    processor.push(decided - published);
    sink.push(a.at - decided);
  }
  return { source: pair(source), processor: pair(processor), sink: pair(sink) };
}
