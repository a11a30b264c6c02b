// Changelog restore cost: writes N realistic ticket states to a fresh compacted state topic,
// then times restorePartitions() over all partitions and measures the heap it holds.
import path from 'node:path';
import { decide, type InboundEvent, type Policy, type TicketState } from '../src/domain/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { AvroSerde, createKafkaMessaging, readSchemaFile, subjectForTopic } from '../src/messaging/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { restorePartitions, stateToRecord } from '../src/processor/index.ts';
import { CANONICAL } from '../src/topics/index.ts';
import { heapUsedMb, ROOT, SCHEMAS, type Endpoints } from './harness.ts';

function envelope(id: string, seq: number) {
  return {
    eventId: id,
    jurisdiction: 'bench',
    source: 'bench',
    sequence: seq,
    occurredAt: 1_790_000_000_000 + seq,
    origin: 'bench',
    correlationId: null,
  };
}

/** A ticket routed, accepted and scheduled (the typical open ticket), built by the real domain. */
function ticket(i: number, policy: Policy, services: string[]): TicketState {
  const id = `BENCH-${i}`;
  const serviceCode = services[i % services.length] ?? 'SR-POTHOLE';
  const route = policy.routing[serviceCode]?.[0];
  const events: InboundEvent[] = [
    {
      type: 'crm',
      event: {
        envelope: envelope(`${id}-o`, 1),
        ticketId: id,
        kind: 'OPENED',
        serviceCode,
        serviceName: null,
        description: 'Reported through the 311 app; see photos in the CRM.',
        requestedAt: 1_790_000_000_000,
        duplicateOf: null,
        followUpOf: null,
        closureReason: null,
        note: null,
      },
    },
  ];
  const codes: Record<string, string[]> = {
    maximo: ['APPR', 'WSCH'],
    posse: ['INTAKE_ACCEPTED', 'INSPECTION_SCHEDULED'],
    'sap-pm': ['REL'],
  };
  for (const [n, code] of (codes[route?.system ?? 'maximo'] ?? []).entries()) {
    events.push({
      type: 'dept',
      event: {
        envelope: envelope(`${id}-d${n}`, n + 2),
        ticketId: id,
        workOrderId: `${id}#1`,
        system: route?.system ?? 'maximo',
        department: route?.department ?? 'transportation',
        rawStatus: code,
        rawStatusLabel: null,
        systemClosed: false,
        note: null,
        expectedAt: 1_790_500_000_000,
      },
    });
  }
  let state: TicketState | null = null;
  for (const e of events) state = decide(state, e, { policy, now: 1_790_000_000_000 }).state;
  if (!state) throw new Error('no state');
  return state;
}

export interface RestoreRow {
  readonly tickets: number;
  readonly restoreMs: number;
  readonly ticketsPerSecond: number;
  readonly heapMb: number;
  readonly bytesPerTicket: number;
  readonly avroBytesPerTicket: number;
  readonly writeMs: number;
}

export async function restoreRun(e: Endpoints, n: number, partitions: number): Promise<RestoreRow> {
  const logger = createLogger({ level: 'warn' });
  const config = await loadConfig(path.join(ROOT, 'config/closeloop.yaml'), {});
  const services = Object.keys(config.policy.routing);
  const messaging = createKafkaMessaging({ brokers: [e.brokers], clientId: 'closeloop-bench', logger });
  const serde = new AvroSerde({ url: e.registryUrl });
  const schema = (await readSchemaFile(path.join(SCHEMAS, `${CANONICAL.state}.avsc`))).schema;
  const admin = messaging.admin();
  await admin.connect();
  const topic = `bench.state.${n}.${Date.now().toString(36)}`;
  try {
    await admin.ensureTopics([{ topic, partitions, config: { 'cleanup.policy': 'compact' } }]);
    const subject = subjectForTopic(topic);
    await serde.register(subject, schema);
    const producer = messaging.producer();
    await producer.connect();
    const t0 = Date.now();
    let bytes = 0;
    for (let start = 0; start < n; start += 2_000) {
      const batch = [];
      for (let i = start; i < Math.min(n, start + 2_000); i += 1) {
        const value = await serde.encode(subject, stateToRecord(ticket(i, config.policy, services)));
        bytes += value.length;
        batch.push({ key: `BENCH-${i}`, value });
      }
      await producer.send(topic, batch);
    }
    await producer.disconnect();
    const writeMs = Date.now() - t0;
    const before = heapUsedMb();
    const restored = await restorePartitions(messaging, admin, serde, topic, [...Array(partitions).keys()]);
    const after = heapUsedMb();
    const held = [...restored.stores.values()].reduce((a, s) => a + s.size, 0);
    if (held !== n) throw new Error(`restored ${held} of ${n} tickets`);
    restored.stores.clear();
    return {
      tickets: n,
      restoreMs: restored.ms,
      ticketsPerSecond: Math.round((n / restored.ms) * 1000),
      heapMb: Math.round((after - before) * 10) / 10,
      bytesPerTicket: Math.round(((after - before) * 1_048_576) / n),
      avroBytesPerTicket: Math.round(bytes / n),
      writeMs,
    };
  } finally {
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.disconnect();
  }
}
