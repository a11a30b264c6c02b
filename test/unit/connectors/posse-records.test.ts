import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { PosseSimulator } from '../../../connectors/posse/simulator.ts';
import { readSchemaFile, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { encodeBatch } from '../../../src/runtime/source-publish.ts';
import { parseConnectorConfig, type SourceBatch, type WorkOrderEvent } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { createPosseJob } from '../../support/posse-jobs.ts';

// The records POSSE's source publishes: what it reads of a change and a job, and which changes
// are for the bridge at all.

const cleanup = cleanupAfter('each');
const TOPIC = 'dept.work-order-events.v1';
const ctx = { logger: createLogger({ level: 'silent' }), env: { POSSE_API_TOKEN: 'tok' }, clock: Date.now };

function configFor(baseUrl: string) {
  return parseConnectorConfig('posse', posse.config, {
    baseUrl,
    jurisdiction: 'testville',
    departments: ['housing'],
    timeZone: 'America/Edmonton',
  });
}

async function simulated() {
  const sim = new PosseSimulator({ token: 'tok' });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const logger = createLogger({ level: 'silent' });
  const debug = vi.spyOn(logger, 'debug');
  const source = posse.source?.(configFor(url), { ...ctx, logger });
  if (!source) throw new Error('posse has no source');
  let n = 0;
  /** A job of a 311 ticket with one process done, its change served with these facts. */
  const job = async (set: Record<string, unknown> = {}) => {
    n += 1;
    await createPosseJob(url, n, { token: 'tok' });
    sim.replan(`T-${n}#1`, ['RECEIVED']);
    if (Object.keys(set).length > 0) sim.corruptNextChange({ set });
    sim.tick();
  };
  return { sim, source, job, debug };
}

/** The batch as the source runner writes it: what the topic's Avro schema refuses is a dead letter. */
async function encoded(batch: SourceBatch<WorkOrderEvent>) {
  const { serde } = await startLoopback(cleanup);
  await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
  return encodeBatch({ topic: TOPIC, serde, connector: 'posse' }, batch);
}

/** A POSSE whose job view is this body, for the lookup. */
async function jobView(body: unknown) {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  const lookup = posse.lookup?.(configFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), ctx);
  if (!lookup?.workOrder) throw new Error('posse has no lookup');
  return lookup.workOrder({ workOrderId: 'T-1#1', ticketId: 'T-1', department: 'housing', system: 'posse' });
}

describe('posse source: when a process completed', () => {
  // POSSE's `at` was published as it came: a fraction of a millisecond failed the topic's Avro
  // long (the change lost), epoch seconds were published as a date in 1970, and an ISO time
  // dead-lettered the change, its ticket never moving.
  it('is read in the forms a system writes, as whole milliseconds the topic takes', async () => {
    const { source, job } = await simulated();
    await job({ at: 1_730_619_000_123.457 });
    await job({ at: 1_730_619_000 });
    await job({ at: '2024-11-03T07:30:00-07:00' });
    // A local time without an offset is the connector's timeZone's (Edmonton: -06:00 then).
    await job({ at: '2024-11-03 00:30:00' });
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records.map((r) => r.value.envelope.occurredAt)).toEqual([
      1_730_619_000_123,
      1_730_619_000_000,
      Date.parse('2024-11-03T14:30:00Z'),
      Date.parse('2024-11-03T06:30:00Z'),
    ]);
    const { records, dead } = await encoded(batch);
    expect(dead).toEqual([]);
    expect(records).toHaveLength(4);
  });

  it('is required: a change whose time names no instant is dead-lettered by itself, naming the field', async () => {
    const { source, job } = await simulated();
    await job();
    await job({ at: 'yesterday' });
    await job({ at: null });
    await job();
    const batch = await source.poll(null);
    expect(batch.records.map((r) => r.key)).toEqual(['T-1', 'T-4']);
    expect(batch.rejected?.map((r) => r.position)).toEqual(['seq 2', 'seq 3']);
    for (const r of batch.rejected ?? [])
      expect(r.error.message).toMatch(/^POSSE change seq \d \(ticket T-\d\) cannot be read: at: names no instant/);
    expect(batch.cursor).toBe('4');
  });

  it('is read from the job view as from the feed, for the lookup', async () => {
    const view = {
      jobId: 'J-1',
      externalRef: 'T-1#1',
      ticketId: 'T-1',
      department: 'housing',
      status: 'Open',
      createdAt: '2024-11-02T09:00:00',
      lastProcess: null,
    };
    const received = await jobView(view);
    expect(received?.envelope.occurredAt).toBe(Date.parse('2024-11-02T15:00:00Z'));
    const process = { outcome: 'INTAKE_ACCEPTED', outcomeLabel: 'Accepted', note: null, expectedAt: null };
    const accepted = await jobView({ ...view, lastProcess: { ...process, at: 1_730_619_000_000.6 } });
    expect(accepted?.envelope).toMatchObject({ occurredAt: 1_730_619_000_001 });
    expect(accepted?.envelope.eventId).toMatch(/:INTAKE_ACCEPTED:1730619000001$/);
    // The same instant written otherwise is the same observation.
    const again = await jobView({ ...view, lastProcess: { ...process, at: '2024-11-03T07:30:00.001Z' } });
    expect(again?.envelope.eventId).toBe(accepted?.envelope.eventId);
    await expect(jobView({ ...view, createdAt: 'soon' })).rejects.toMatchObject({ code: 'CL_CONNECTOR_MALFORMED' });
  });
});

describe('posse source: a change of a job no 311 ticket made', () => {
  // POSSE's feed lists every job's processes, permits and a department's own cases too: each was
  // dead-lettered, one per change, burying the .dlq.
  it('is passed over, logged at debug, and the feed reads on past it', async () => {
    const { sim, source, job, debug } = await simulated();
    await job();
    sim.departmentProcess({ jobId: 'BP-2024-0042', department: 'housing', outcome: 'PERMIT_ISSUED', closed: true });
    sim.corruptNextChange({ set: { ticketId: '', externalRef: '' } });
    sim.departmentProcess({ jobId: 'CE-2024-7', department: 'housing', outcome: 'NOTICE_SENT' });
    await job();
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records.map((r) => [r.key, r.value.envelope.sequence])).toEqual([
      ['T-1', 1],
      ['T-2', 4],
    ]);
    expect(batch.cursor).toBe('4');
    expect(debug.mock.calls.map(([fields]) => fields)).toEqual([
      { seq: 2, jobId: 'BP-2024-0042', outcome: 'PERMIT_ISSUED' },
      { seq: 3, jobId: 'CE-2024-7', outcome: 'NOTICE_SENT' },
    ]);
  });

  it('is told from a change of a ticket without its work order, which is dead-lettered', async () => {
    const { source, job } = await simulated();
    await job({ externalRef: null });
    const batch = await source.poll(null);
    expect(batch.records).toEqual([]);
    expect(batch.rejected?.[0]?.error.message).toMatch(
      /^POSSE change seq 1 \(ticket T-1\) cannot be read: externalRef: a change of a 311 ticket names its work order/,
    );
  });
});
