// Changelog restore cost: writes N realistic ticket states to a fresh compacted state topic,
// then times restorePartitions() over all partitions and measures the heap it holds.
//   node --expose-gc bench/restore.ts [--tickets 10000,100000] [--partitions 6]
// Uses KAFKA_BROKERS / SCHEMA_REGISTRY_URL when set, else the local JVM stack (started if needed).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decide, type InboundEvent, type Policy, type TicketState } from '../src/domain/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { AvroSerde, createKafkaMessaging, readSchemaFile, subjectForTopic } from '../src/messaging/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { CANONICAL, restorePartitions, stateToRecord } from '../src/processor/index.ts';
import { loadStackConfig } from '../stack/config.ts';
import { stackUp } from '../stack/stack.ts';

const { values: args } = parseArgs({
  options: { tickets: { type: 'string', default: '10000,100000' }, partitions: { type: 'string', default: '6' } },
});
const sizes = args.tickets.split(',').map(Number);
const partitions = Number(args.partitions);

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

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1_048_576;
}

async function main(): Promise<void> {
  const logger = createLogger({ level: 'warn' });
  let brokers = process.env['KAFKA_BROKERS'];
  let registryUrl = process.env['SCHEMA_REGISTRY_URL'];
  if (!brokers || !registryUrl) {
    const up = await stackUp(loadStackConfig(), (l) => console.error(`[stack] ${l}`));
    brokers = up.brokers;
    registryUrl = up.registryUrl;
  }
  if (!(globalThis as { gc?: unknown }).gc) console.error('run with node --expose-gc for exact heap figures');
  const config = await loadConfig('config/closeloop.yaml', {});
  const services = Object.keys(config.policy.routing);
  const messaging = createKafkaMessaging({ brokers: [brokers], clientId: 'closeloop-bench', logger });
  const serde = new AvroSerde({ url: registryUrl });
  const schema = (await readSchemaFile(path.join('schemas', `${CANONICAL.state}.avsc`))).schema;
  const admin = messaging.admin();
  await admin.connect();
  const rows: Record<string, number>[] = [];
  for (const n of sizes) {
    const topic = `bench.state.${n}.${Date.now()}`;
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
    const before = heapMb();
    const restored = await restorePartitions(messaging, admin, serde, topic, [...Array(partitions).keys()]);
    const after = heapMb();
    const held = [...restored.stores.values()].reduce((a, s) => a + s.size, 0);
    if (held !== n) throw new Error(`restored ${held} of ${n} tickets`);
    rows.push({
      tickets: n,
      restoreMs: restored.ms,
      ticketsPerSecond: Math.round((n / restored.ms) * 1000),
      heapMb: Math.round((after - before) * 10) / 10,
      bytesPerTicket: Math.round(((after - before) * 1_048_576) / n),
      avroBytesPerTicket: Math.round(bytes / n),
      writeMs,
    });
    restored.stores.clear();
    await admin.deleteTopics([topic]);
  }
  await admin.disconnect();
  console.table(rows);
  await mkdir('bench-results', { recursive: true });
  const file = path.join('bench-results', `restore-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ node: process.version, partitions, rows }, null, 2));
  console.log(`written to ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
