import { afterEach, describe, expect, it } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { posseConfig } from '../../../connectors/posse/config.ts';
import { changeToEvent, jobToObservation } from '../../../connectors/posse/mapping.ts';
import { PosseSimulator } from '../../../connectors/posse/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, RECONCILE_ORIGIN, type WorkOrderRef } from '../../../src/sdk/index.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { createPosseJob } from '../../support/posse-jobs.ts';

let sim: PosseSimulator | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

const ctx = { logger: createLogger({ level: 'silent' }), env: { POSSE_API_TOKEN: 'tok' }, clock: Date.now };
const ref = (n: number, over: Partial<WorkOrderRef> = {}): WorkOrderRef => ({
  workOrderId: `T-${n}#1`,
  ticketId: `T-${n}`,
  department: 'housing',
  system: 'posse',
  ...over,
});

async function connector() {
  sim = new PosseSimulator({ token: 'tok' });
  const url = await sim.start();
  const config = parseConnectorConfig('posse', posseConfig, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: ['housing'],
    timeoutMs: 1_000,
  });
  const source = posse.source?.(config, ctx);
  const lookup = posse.lookup?.(config, ctx);
  const sink = posse.sink?.(config, ctx);
  if (!source || !sink || !lookup?.workOrder) throw new Error('posse must have a source, a sink and a lookup');
  // The sink's job creation, as a CREATE command makes it.
  const create = (n: number) => createPosseJob(url, n, { token: 'tok' });
  return { sim, source, sink, create, workOrder: lookup.workOrder.bind(lookup) };
}

describe('posse lookup', () => {
  it('reads a work order as the event its last process made in the feed, with the reconcile origin', async () => {
    const { sim, source, create, workOrder } = await connector();
    await create(1);
    sim.tick();
    sim.tick();
    const fed = (await source.poll(null)).records.at(-1)?.value;
    const seen = await workOrder(ref(1));
    expect(seen?.rawStatus).toBe('INTAKE_ACCEPTED');
    const { envelope, ...rest } = seen ?? { envelope: null };
    const { envelope: fedEnvelope, ...fedRest } = fed ?? { envelope: null };
    expect(rest).toEqual(fedRest);
    expect(envelope).toMatchObject({ origin: RECONCILE_ORIGIN, sequence: null, occurredAt: fedEnvelope?.occurredAt });
    // The same state observed twice is one event.
    expect((await workOrder(ref(1)))?.envelope.eventId).toBe(envelope?.eventId);
  });

  it('reads a job no process has completed on as received, and an unknown one as null', async () => {
    const { create, workOrder } = await connector();
    await create(2);
    expect(await workOrder(ref(2))).toMatchObject({ rawStatus: 'RECEIVED', systemClosed: false });
    expect(await workOrder(ref(3))).toBeNull();
  });

  it('refuses a work order of a route it does not serve instead of calling it missing', async () => {
    const { workOrder } = await connector();
    await expect(workOrder(ref(4, { department: 'transportation' }))).rejects.toMatchObject({
      code: 'CL_CONNECTOR_REJECTED',
    });
    await expect(workOrder(ref(4, { system: 'maximo' }))).rejects.toMatchObject({ code: 'CL_CONNECTOR_REJECTED' });
  });

  it('sends the command id as Idempotency-Key, so a re-delivered note or review adds nothing', async () => {
    const { sim, create, sink } = await connector();
    await create(5);
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('T-5', 'OPENED', 1, { serviceCode: 'GRASS' }));
    bridge.send(crm('T-5', 'UPDATED', 2, { note: 'Side gate.' }));
    const note = bridge.commands.find((c) => c.kind === 'ADD_NOTE');
    if (!note) throw new Error('no note command');
    // The note command names the job the bridge created; here the one made above.
    const mine = { ...note, workOrderId: 'T-5#1' };
    await sink.deliver(mine);
    await sink.deliver(mine);
    expect(sim.jobs.get('J-000001')?.notes).toEqual(['Side gate.']);
    // A review of finished work re-inspects it, once however often the request comes.
    sim.replan('T-5#1', ['RECEIVED', 'COMPLIED']);
    sim.tick();
    sim.tick();
    const review = { ...mine, commandId: `${mine.commandId}-review`, kind: 'REVIEW' as const, note: null };
    await sink.deliver(review);
    await sink.deliver(review);
    expect(sim.changes.filter((c) => c.note?.startsWith('Re-inspection'))).toHaveLength(1);
  });
});

describe('posse mapping', () => {
  it('maps a change and the job it left behind alike, but for the envelope', () => {
    const change = {
      seq: 7,
      at: 1_730_619_000_000,
      jobId: 'J-1',
      externalRef: 'T-1#1',
      ticketId: 'T-1',
      department: 'housing',
      outcome: 'ASSIGNED_CLOSED',
      outcomeLabel: 'Inspector assigned; 311 job closed',
      jobStatus: 'Closed' as const,
      note: 'n',
      expectedAt: null,
    };
    const job = {
      jobId: 'J-1',
      externalRef: 'T-1#1',
      ticketId: 'T-1',
      department: 'housing',
      status: 'Closed' as const,
      createdAt: 1_730_618_000_000,
      lastProcess: {
        outcome: change.outcome,
        outcomeLabel: change.outcomeLabel,
        at: 1_730_619_000_000,
        note: 'n',
        expectedAt: null,
      },
    };
    const { envelope: a, ...fromFeed } = changeToEvent(change, 'testville', 'posse').value;
    const { envelope: b, ...fromJob } = jobToObservation(job, 'testville', 'posse');
    expect(fromJob).toEqual(fromFeed);
    expect(fromJob.systemClosed).toBe(true);
    expect([a.origin, a.sequence, b.origin, b.sequence]).toEqual(['posse', 7, RECONCILE_ORIGIN, null]);
    expect(b.source).toBe(a.source);
  });
});
