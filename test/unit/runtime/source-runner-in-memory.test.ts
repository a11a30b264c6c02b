import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import {
  createInMemoryMessaging,
  deadLetterTopic,
  DLQ_HEADERS,
  readSchemaFile,
  readToEnd,
  subjectForTopic,
  type IncomingRecord,
  type Messaging,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import type { CrmTicketEvent } from '../../../src/sdk/index.ts';
import { crmSourceRunner } from '../../support/crm-source.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { overTransaction, wrapMessaging } from '../../support/recording-messaging.ts';
import { until } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const TOPIC = 'crm.ticket-events.v1';

describe('source runner on the in-memory messaging', () => {
  it('publishes every change once across a restart and a commit whose answer was lost', async () => {
    const { serde } = await startLoopback(cleanup);
    const sim = new CrmSimulator({ token: 'tok' });
    const url = await sim.start();
    cleanup.push(() => sim.stop());
    const inner = createInMemoryMessaging();
    const admin = inner.admin();
    await admin.ensureTopics([{ topic: TOPIC, partitions: 3 }]);
    await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
    const logger = createLogger({ level: 'silent' });
    const runner = (messaging: Messaging, metrics?: Metrics) =>
      crmSourceRunner(
        url,
        {
          topic: TOPIC,
          messaging,
          serde,
          logger,
          ...(metrics ? { metrics } : {}),
          pollIntervalMs: 5,
          probeIntervalMs: 5,
          retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
        },
        { pageSize: 2 },
      );
    const published = async () => {
      const values: CrmTicketEvent[] = [];
      await readToEnd(inner, admin, TOPIC, 'all', async (r) => {
        values.push((await serde.decode<CrmTicketEvent>(r.value)).value);
      });
      return values;
    };

    for (let i = 0; i < 5; i += 1) sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    const one = runner(inner);
    await one.start();
    await until('five changes', () => one.status().published === 5, 5_000);
    await one.stop();
    expect(one.status().cursor).toBe('5');

    // The next commit goes through but its answer is lost: the runner cannot know, reclaims its
    // transactional id and reads the stored cursor, which says the changes are out.
    let lost = 0;
    const lossy = wrapMessaging(inner, {
      transaction: (tx) =>
        overTransaction(tx, {
          commit: async () => {
            await tx.commit();
            if (lost++ === 0) throw new CloseloopError('CL_KAFKA_TRANSIENT', 'injected: commit answer lost');
          },
        }),
    });
    sim.cancel('SR-000003', 'CANCELLED_BY_REQUESTOR', 'Resident withdrew it.');
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const metrics = new Metrics({ defaults: false });
    const two = runner(lossy, metrics);
    await two.start();
    cleanup.push(() => two.stop());
    await until('the lost answer', () => lost > 0, 5_000);
    // The feed is quiet now (at night, say): no later publish comes to end the `kafka` pause, and
    // the batch, out already, is never read again. So the reclaim, finding the stored cursor at
    // the batch's end, ends the pause and counts the batch as published.
    await until('the pause over', () => two.status().cursor === '7' && two.status().pausedBy === null, 2_000);
    expect(two.status()).toMatchObject({ state: 'running', published: 2, pauses: [], error: null });
    expect(two.status().lastPublishedAt).not.toBeNull();
    expect(await metrics.registry.getSingleMetricAsString('closeloop_source_records_total')).toContain(
      'closeloop_source_records_total{connector="crm-rest"} 2',
    );
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    await until('the cursor after every change', () => two.status().cursor === '8', 5_000);
    expect(two.status().published).toBe(3);
    await two.stop();

    const values = await published();
    expect(values.map((v) => v.envelope.sequence).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(new Set(values.map((v) => v.envelope.eventId)).size).toBe(8);
    expect(values.find((v) => v.kind === 'CANCELLED')?.ticketId).toBe('SR-000003');
  });

  // One change a connector cannot read used to fail the whole page, so every poll failed, the
  // health probe passed, and the feed stood still for good behind it.
  it('dead-letters a change it cannot read, with its position and raw JSON, counts it, and reads on', async () => {
    const { serde } = await startLoopback(cleanup);
    const sim = new CrmSimulator({ token: 'tok' });
    const url = await sim.start();
    cleanup.push(() => sim.stop());
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    await admin.ensureTopics([
      { topic: TOPIC, partitions: 3 },
      { topic: deadLetterTopic(TOPIC), partitions: 1 },
    ]);
    await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
    const logger = createLogger({ level: 'silent' });
    const metrics = new Metrics({ defaults: false });
    const runner = crmSourceRunner(url, {
      topic: TOPIC,
      messaging,
      serde,
      logger,
      metrics,
      pollIntervalMs: 5,
      probeIntervalMs: 5,
      retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
    });

    sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    sim.corruptNextChange({ set: { kind: 'REOPENED' } });
    const bad = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await runner.start();
    cleanup.push(() => runner.stop());
    await until('two published and one dead-lettered', () => runner.status().deadLettered === 1, 5_000);
    expect(runner.status()).toMatchObject({ published: 2, cursor: '3', pausedBy: null, error: null });
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    await until('the change after it', () => runner.status().published === 3, 5_000);

    const letters: IncomingRecord[] = [];
    await readToEnd(messaging, admin, deadLetterTopic(TOPIC), 'all', (r) => void letters.push(r));
    expect(letters).toHaveLength(1);
    const [letter] = letters;
    const header = (k: string) => letter?.headers[k]?.toString();
    expect(letter?.key?.toString()).toBe(bad.id);
    expect(header(DLQ_HEADERS.connector)).toBe('crm-rest');
    expect(header(DLQ_HEADERS.code)).toBe('CL_SOURCE_RECORD_INVALID');
    expect(header(DLQ_HEADERS.stage)).toBe('decode');
    expect(header(DLQ_HEADERS.position)).toBe('seq 2');
    expect(header(DLQ_HEADERS.message)).toMatch(/^CRM change seq 2 \(ticket SR-\d+\) cannot be read: kind: /);
    // No topic ever held it: replay has nothing to send back, and says so.
    expect(header(DLQ_HEADERS.topic)).toBeUndefined();
    expect(JSON.parse(letter?.value?.toString() ?? 'null')).toMatchObject({
      seq: 2,
      ticketId: bad.id,
      kind: 'REOPENED',
    });
    expect(await metrics.registry.getSingleMetricAsString('closeloop_dead_letters_total')).toContain(
      `closeloop_dead_letters_total{topic="${TOPIC}",code="CL_SOURCE_RECORD_INVALID"} 1`,
    );
  });

  it('pauses on a page the system garbled as a whole, and its status and log say why', async () => {
    const { serde } = await startLoopback(cleanup);
    const sim = new CrmSimulator({ token: 'tok', faults: { malformedRate: 1 } });
    const url = await sim.start();
    cleanup.push(() => sim.stop());
    const messaging = createInMemoryMessaging();
    await messaging.admin().ensureTopics([{ topic: TOPIC, partitions: 3 }]);
    await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger({ destination, level: 'info' });
    const runner = crmSourceRunner(url, {
      topic: TOPIC,
      messaging,
      serde,
      logger,
      pollIntervalMs: 5,
      probeIntervalMs: 5,
      retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
    });
    sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await runner.start();
    cleanup.push(() => runner.stop());
    await until('paused', () => runner.status().pausedBy === 'unavailable', 5_000);
    expect(runner.status().error).toMatch(/^reading CRM changes after 0: malformed response: not JSON/);
    const logged = lines.find((l) => l['msg'] === 'source unavailable; pausing until it is healthy');
    expect(logged).toMatchObject({ code: 'CL_CONNECTOR_MALFORMED', error: expect.stringContaining('not JSON') });

    sim.server.setFaults({});
    await until('published once the pages are sound', () => runner.status().published === 1, 5_000);
    expect(runner.status()).toMatchObject({ pausedBy: null, error: null });
  });
});
