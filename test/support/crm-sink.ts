import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crmRest } from '../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../connectors/crm-rest/config.ts';
import { CrmSimulator, type CrmSimulatorOptions } from '../../connectors/crm-rest/simulator.ts';
import type { DeliveryReceipt } from '../../src/domain/index.ts';
import {
  createInMemoryMessaging,
  deadLetterTopic,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
} from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { judgeReadiness } from '../../src/observability/readiness.ts';
import { SinkRunner } from '../../src/runtime/index.ts';
import { parseConnectorConfig, type TicketStatusChange } from '../../src/sdk/index.ts';
import { RECORD_NAMES } from '../../src/topics/index.ts';
import type { Cleanup } from './cleanup.ts';
import { Bridge, crm, dept, testPolicy } from './domain.ts';
import { startLoopback } from './loopback-registry.ts';

// The crm-rest sink against the CRM simulator, alone and under the real SinkRunner in memory:
// what the tests of how it meets a CRM that declines or refuses a status share.

export const TOPIC = 'bridge.ticket-status.v1';
export const RECEIPTS = 'bridge.deliveries.v1';
export const ALERTS = 'bridge.alerts.v1';
const ctx = { logger: createLogger({ level: 'silent' }), env: { CRM_API_TOKEN: 'tok' }, clock: Date.now };

/** The CRM simulator with one ticket, and that ticket's statuses v1 (routed) and v2 (closed). */
export async function crmWithTicket(cleanup: Cleanup, options: CrmSimulatorOptions = {}) {
  const sim = new CrmSimulator({ ...options, token: 'tok' });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm(t.id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  bridge.send(dept(t.id, `${t.id}#1`, 'maximo', 'COMP', 2, { department: 'transportation' }));
  const [v1, v2] = bridge.statusesOf(t.id);
  if (!v1 || !v2) throw new Error('expected two statuses');
  const config = parseConnectorConfig('crm-rest', crmRestConfig, { baseUrl: url, jurisdiction: 'testville' });
  const sink = crmRest.sink?.(config, ctx);
  if (!sink) throw new Error('crm-rest must have a sink');
  const lookup = crmRest.lookup?.(config, ctx);
  if (!lookup?.ticket) throw new Error('crm-rest must look tickets up');
  return { sim, ticketId: t.id, v1, v2, sink, lookupTicket: lookup.ticket.bind(lookup) };
}

/** The crm-rest sink under the real SinkRunner, in memory, with receipts and alerts as the worker sets them. */
export async function crmSinkRunner(
  cleanup: Cleanup,
  maxDeliveryCycles: number,
  probeIntervalMs: number,
  options: CrmSimulatorOptions = {},
) {
  const crmSide = await crmWithTicket(cleanup, options);
  const { serde } = await startLoopback(cleanup);
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics(
    [TOPIC, deadLetterTopic(TOPIC), RECEIPTS, ALERTS].map((topic) => ({ topic, partitions: 1 })),
  );
  for (const t of [TOPIC, RECEIPTS, ALERTS])
    await serde.register(subjectForTopic(t), (await readSchemaFile(`schemas/${t}.avsc`)).schema);
  const run = new SinkRunner({
    connector: 'crm-rest',
    topic: TOPIC,
    recordName: RECORD_NAMES.status,
    groupId: 'crm-sink',
    sink: crmSide.sink,
    messaging,
    serde,
    logger: createLogger({ level: 'silent' }),
    retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
    probeIntervalMs,
    maxDeliveryCycles,
    receiptsTopic: RECEIPTS,
    alerts: { topic: ALERTS, jurisdiction: 'testville', accountable: () => '311 service desk' },
  });
  await run.start();
  cleanup.push(() => run.stop());
  const producer = messaging.producer();
  const send = async (s: TicketStatusChange) =>
    producer.send(TOPIC, [{ key: s.ticketId, value: await serde.encode(subjectForTopic(TOPIC), s) }]);
  const read = async <T>(topic: string) => {
    const got: { value: T; headers: Record<string, Buffer | undefined> }[] = [];
    await readToEnd(messaging, admin, topic, 'all', async (r) => {
      got.push({ value: (await serde.decode<T>(r.value ?? Buffer.alloc(0))).value, headers: r.headers });
    });
    return got;
  };
  const receipts = async () =>
    (await read<DeliveryReceipt>(RECEIPTS)).map((r) => `v${r.value.version ?? '?'} ${r.value.outcome}`);
  const readiness = () =>
    judgeReadiness({
      phase: 'running',
      processorReady: true,
      brokerUp: true,
      registryUp: true,
      runners: [{ connector: 'crm-rest', kind: 'sink', ...run.status() }],
    });
  return { ...crmSide, messaging, admin, run, send, read, receipts, readiness };
}

/** A CRM's answer to a status update, as a CRM written by others gives it. */
export interface PutAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

const CONFLICT: PutAnswer = { status: 409, body: { error: 'conflict' } };

/**
 * A CRM written by others, for answers the simulator does not give: every status update answered
 * as `put` gives it (409 unless told), and a ticket's view answered as `view(id)` gives it (the
 * id from the request's path).
 */
export async function crmAnswering409(
  cleanup: Cleanup,
  view: (id: string) => Record<string, unknown>,
  put: () => PutAnswer = () => CONFLICT,
) {
  const server = createServer((req, res) => {
    req.resume();
    res.setHeader('content-type', 'application/json');
    if (req.method === 'PUT') {
      const answer = put();
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(JSON.stringify(answer.body));
      return;
    }
    res.end(JSON.stringify(view(decodeURIComponent(req.url?.split('/')[4] ?? ''))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const config = parseConnectorConfig('crm-rest', crmRestConfig, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    jurisdiction: 'testville',
  });
  const sink = crmRest.sink?.(config, ctx);
  const lookup = crmRest.lookup?.(config, ctx);
  if (!sink || !lookup?.ticket) throw new Error('crm-rest must have a sink and look tickets up');
  return { sink, lookupTicket: lookup.ticket.bind(lookup) };
}
