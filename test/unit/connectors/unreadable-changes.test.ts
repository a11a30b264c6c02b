import { afterEach, describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { posse } from '../../../connectors/posse/index.ts';
import { PosseSimulator } from '../../../connectors/posse/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { encodeBatch } from '../../../src/runtime/source-publish.ts';
import { maximoDate } from '../../../connectors/maximo/cursor.ts';
import { parseConnectorConfig, type Source } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { createPosseJob } from '../../support/posse-jobs.ts';

// One change a connector cannot read is handed to the runner as rejected, by itself, and the
// cursor moves past it; a value that is merely unusual but has a clear meaning is taken.

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const logger = createLogger({ level: 'silent' });
const cleanup = cleanupAfter('each');

function defined<T>(source: Source<T> | undefined): Source<T> {
  if (!source) throw new Error('the connector has no source');
  return source;
}

async function crmFeed() {
  const sim = new CrmSimulator({ token: 'tok' });
  const url = await sim.start();
  stops.push(() => sim.stop());
  const config = parseConnectorConfig('crm-rest', crmRest.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    pageSize: 10,
  });
  const source = defined(crmRest.source?.(config, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: Date.now }));
  return { sim, source };
}

describe('crm-rest: a change it cannot read', () => {
  it('is rejected by itself, naming its seq, ticket and field, and the cursor moves past it', async () => {
    const { sim, source } = await crmFeed();
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    sim.corruptNextChange({ set: { kind: 'REOPENED' } });
    const bad = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const batch = await source.poll(null);
    expect(batch.records.map((r) => r.value.envelope.sequence)).toEqual([1, 3]);
    expect(batch.cursor).toBe('3');
    expect(batch.rejected).toHaveLength(1);
    const [rejected] = batch.rejected ?? [];
    expect(rejected).toMatchObject({ position: 'seq 2', key: bad.id, raw: { seq: 2, kind: 'REOPENED' } });
    expect(rejected?.error).toMatchObject({ code: 'CL_SOURCE_RECORD_INVALID', retriable: false, stage: 'decode' });
    expect(rejected?.error.message).toMatch(
      new RegExp(`^CRM change seq 2 \\(ticket ${bad.id}\\) cannot be read: kind: `),
    );
    expect((await source.poll(batch.cursor)).records).toEqual([]);
  });

  // Another city's CRM may put the requester in its feed. The bridge never takes that in, but a
  // change it cannot read was dead-lettered as the CRM sent it, contact details and all.
  it('is dead-lettered without the contact data the system put in it', async () => {
    const { sim, source } = await crmFeed();
    const requester = { name: 'Jane Doe', email: 'jane.doe@example.org', phone: '780-555-0100' };
    sim.corruptNextChange({ set: { kind: 'REOPENED', requester, note: 'she asked us to call 780-555-0100' } });
    const bad = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const batch = await source.poll(null);
    const { serde } = await startLoopback(cleanup);
    const { dead } = await encodeBatch({ topic: 'crm.ticket-events.v1', serde, connector: 'crm-rest' }, batch);
    expect(dead).toHaveLength(1);
    const letter = dead[0]?.letter;
    expect(letter?.key).toBe(bad.id);
    const kept = JSON.parse(letter?.value?.toString('utf8') ?? 'null') as Record<string, unknown>;
    expect(kept).toMatchObject({ seq: 1, ticketId: bad.id, kind: 'REOPENED', requester: '[redacted]' });
    const text = letter?.value?.toString('utf8') ?? '';
    for (const said of ['Jane', 'jane.doe@example.org', '555-0100']) expect(text).not.toContain(said);
  });

  it('names the change by its place in the page when even its seq is unreadable', async () => {
    const { sim, source } = await crmFeed();
    sim.corruptNextChange({ unset: ['seq', 'ticketId'] });
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const batch = await source.poll(null);
    expect(batch.rejected?.[0]).toMatchObject({ position: 'seq ? (change 1 after 0)', key: null });
    expect(batch.rejected?.[0]?.error.message).toContain('seq: ');
    expect(batch.rejected?.[0]?.error.message).toContain('ticketId: ');
    expect(batch.cursor).toBe('1');
  });

  it('takes an omitted nullable fact as null and an actor it does not know as the CRM itself', async () => {
    const { sim, source } = await crmFeed();
    sim.corruptNextChange({ unset: ['followUpOf', 'duplicateOf', 'note'], set: { actor: 'system' } });
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records[0]?.value).toMatchObject({
      ticketId: t.id,
      followUpOf: null,
      duplicateOf: null,
      note: null,
      envelope: { origin: 'crm' },
    });
  });
});

async function posseFeed(extra: Record<string, unknown> = {}) {
  const sim = new PosseSimulator({ token: 'tok' });
  const url = await sim.start();
  stops.push(() => sim.stop());
  const config = parseConnectorConfig('posse', posse.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: ['housing'],
    ...extra,
  });
  const source = defined(posse.source?.(config, { logger, env: { POSSE_API_TOKEN: 'tok' }, clock: Date.now }));
  let n = 0;
  const job = async () => {
    n += 1;
    await createPosseJob(url, n, { token: 'tok' });
    // One process each: earlier jobs must not move on and add changes of their own.
    sim.replan(`T-${n}#1`, ['RECEIVED']);
    sim.tick();
  };
  return { sim, source, job };
}

describe('posse: a change it cannot read', () => {
  it('is rejected by itself, naming its seq and field, and the watermark moves past it', async () => {
    const { sim, source, job } = await posseFeed();
    await job();
    sim.corruptNextChange({ set: { jobStatus: 'Suspended' } });
    await job();
    await job();
    const batch = await source.poll(null);
    expect(batch.records.map((r) => r.key)).toEqual(['T-1', 'T-3']);
    expect(batch.cursor).toBe('3');
    expect(batch.rejected?.map((r) => [r.position, r.key])).toEqual([['seq 2', 'T-2']]);
    expect(batch.rejected?.[0]?.error.message).toMatch(
      /^POSSE change seq 2 \(ticket T-2\) cannot be read: jobStatus: /,
    );
  });

  it('takes a Cancelled job as closed in POSSE and an expected date without a time as that day in its zone', async () => {
    const { sim, source, job } = await posseFeed({ timeZone: 'America/New_York' });
    sim.corruptNextChange({ set: { jobStatus: 'Cancelled', expectedAt: '2024-05-01' } });
    await job();
    sim.corruptNextChange({ set: { expectedAt: '2024-05-02T09:30:00-04:00' }, unset: ['note'] });
    await job();
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records.map((r) => r.value)).toMatchObject([
      { systemClosed: true, expectedAt: Date.parse('2024-05-01T04:00:00Z') },
      { systemClosed: false, expectedAt: Date.parse('2024-05-02T13:30:00Z'), note: null },
    ]);
  });

  // An expected time without an offset was refused and the change, a closure among them,
  // dead-lettered whole, though the connector knows the system's zone.
  it('reads an expected time without an offset in its zone, and takes one that names no instant as none', async () => {
    const { sim, source, job } = await posseFeed({ timeZone: 'America/New_York' });
    sim.corruptNextChange({ set: { jobStatus: 'Closed', expectedAt: '2024-05-01T10:00:00' } });
    await job();
    sim.corruptNextChange({ set: { jobStatus: 'Closed', expectedAt: 'when the crew is back' } });
    await job();
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records.map((r) => r.value)).toMatchObject([
      { systemClosed: true, expectedAt: Date.parse('2024-05-01T14:00:00Z') },
      { systemClosed: true, expectedAt: null },
    ]);
  });
});

async function maximoFeed(
  options: Record<string, unknown> = {},
  simulator: ConstructorParameters<typeof MaximoSimulator>[0] = {},
) {
  const sim = new MaximoSimulator({ apiKey: 'key', ...simulator });
  const url = await sim.start();
  stops.push(() => sim.stop());
  const config = parseConnectorConfig('maximo', maximo.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: { transportation: 'DOT' },
    pageSize: 2,
    ...options,
  });
  const clock = simulator.clock ?? Date.now;
  const source = defined(maximo.source?.(config, { logger, env: { MAXIMO_API_KEY: 'key' }, clock }));
  const zoned = (timeZone: string) =>
    defined(maximo.source?.({ ...config, timeZone }, { logger, env: { MAXIMO_API_KEY: 'key' }, clock }));
  let n = 0;
  const add = () => {
    n += 1;
    return sim.addWorkOrder(
      { siteid: 'DOT', origrecordid: `T-${n}`, origrecordclass: 'SR', externalrefid: `T-${n}#1` },
      [],
    );
  };
  return { sim, source, zoned, add };
}

describe('maximo: a change it cannot read', () => {
  it('rejects a row it cannot read by itself and moves past it, but fails the poll on one it cannot place', async () => {
    const { sim, source, add } = await maximoFeed();
    add();
    sim.corruptNextChange({ set: { statusdate: 'yesterday' } });
    const bad = add();
    add();
    const batch = await source.poll(null);
    expect(batch.records.map((r) => r.key)).toEqual(['T-1', 'T-3']);
    expect(batch.rejected?.map((r) => [r.position, r.key])).toEqual([
      [`${bad.workorderid}:${bad._rowstamp} at ${bad.changedate}`, 'T-2'],
    ]);
    expect(batch.rejected?.[0]?.error.message).toContain('statusdate: ');
    // The next poll starts after all three: nothing is read again.
    const next = await source.poll(batch.cursor);
    expect([...next.records, ...(next.rejected ?? [])]).toEqual([]);

    // A row whose changedate names no instant is placed with the row before it, dead-lettered
    // with its position like any other, and not read again.
    sim.corruptNextChange({ set: { changedate: '2024-05-01' } });
    const undated = add();
    add();
    const after = await source.poll(batch.cursor);
    expect(after.records.map((r) => r.key)).toEqual(['T-5']);
    expect(after.rejected?.map((r) => [r.position, r.key])).toEqual([
      [`${undated.workorderid}:${undated._rowstamp} at 2024-05-01`, 'T-4'],
    ]);
    expect(after.rejected?.[0]?.error.message).toContain('changedate: ');
    const again = await source.poll(after.cursor);
    expect([...again.records, ...(again.rejected ?? [])]).toEqual([]);

    // A row that cannot be told from the others (no row stamp) cannot be stepped over: the poll
    // fails, retriably, naming the row, and readiness and status() carry that message.
    sim.corruptNextChange({ unset: ['_rowstamp'] });
    add();
    await expect(source.poll(again.cursor)).rejects.toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
      retriable: true,
      message: expect.stringMatching(/member\.\d+\._rowstamp: /),
    });
  });

  // A changedate without an offset failed the whole page, retriably, so the feed stood still
  // for good behind one work order and the readable ones were never published.
  it('reads dates without an offset in its timeZone, and the change is published', async () => {
    const { sim, source, add } = await maximoFeed({ timeZone: 'America/New_York' });
    add();
    sim.corruptNextChange({ set: { changedate: '2024-03-01T10:00:02', statusdate: '2024-03-01T10:00:02' } });
    add();
    add();
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records.map((r) => r.key)).toEqual(['T-1', 'T-2', 'T-3']);
    expect(batch.records[1]?.value.envelope.occurredAt).toBe(Date.parse('2024-03-01T15:00:02Z'));
  });

  // A Maximo writing its server's local times, no timeZone, a cursor stored: each row was placed
  // where the query started, the cursor never passed them, and the feed read the same rows poll
  // after poll until it failed blaming its paging, while the docs promised it read on.
  it('fails naming timeZone when Maximo writes local times without an offset, whether or not a cursor is stored', async () => {
    const { source, zoned, add } = await maximoFeed({}, { serverZone: 'America/New_York', datesWithOffset: false });
    for (let i = 0; i < 3; i += 1) add();
    const stored = JSON.stringify({ changedate: maximoDate(Date.now() - 60_000), seen: [], window: {} });
    for (const cursor of [stored, null])
      await expect(source.poll(cursor)).rejects.toMatchObject({
        code: 'CL_CONNECTOR_MALFORMED',
        message: expect.stringMatching(
          /work order DOT\/1001 has a changedate without a UTC offset .*set the connector's timeZone/,
        ),
      });
    // Set, the same cursor reads every change.
    const batch = await zoned('America/New_York').poll(stored);
    expect(batch.records.map((r) => r.key)).toEqual(['T-1', 'T-2', 'T-3']);
  });

  it('says why when rows whose changedate names no instant keep the feed where its query starts', async () => {
    let now = Date.parse('2026-11-30T15:00:00Z');
    const { sim, source, add } = await maximoFeed(
      { pageSize: 10, maxPagesPerPoll: 1, maxRememberedChanges: 100 },
      { clock: () => now },
    );
    let cursor = JSON.stringify({ changedate: '2026-11-30T14:59:00+00:00', seen: [], window: {} });
    let failed: unknown = null;
    for (let poll = 0; poll < 60 && failed === null; poll += 1) {
      for (let i = 0; i < 5; i += 1) {
        now += 1_000;
        // A format the feed cannot read: a space for the T.
        sim.corruptNextChange({ set: { changedate: new Date(now).toISOString().slice(0, 19).replace('T', ' ') } });
        add();
      }
      now += 5_000;
      await source.poll(cursor).then(
        (batch) => (cursor = batch.cursor),
        (err: unknown) => (failed = err),
      );
    }
    expect(failed).toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
      message: expect.stringMatching(/rows read have a changedate that names no instant \(work order DOT\/\d+\)/),
    });
  });
});
