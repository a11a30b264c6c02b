import { afterEach, describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { crmRestConfig } from '../../../connectors/crm-rest/config.ts';

import { changeToEvent, channelOf } from '../../../connectors/crm-rest/mapping.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { pageEnd, parseConnectorConfig } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crmWithTicket } from '../../support/crm-sink.ts';

let sim: CrmSimulator | null = null;
// The bridge's clock, moved by a test past holeWaitSeconds; the wall clock when null.
let frozen: number | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
  frozen = null;
});

const cleanup = cleanupAfter('each');

const ctx = {
  logger: createLogger({ level: 'silent' }),
  env: { CRM_API_TOKEN: 'tok' },
  clock: () => frozen ?? Date.now(),
};

async function connector(faults = {}, timeoutMs = 2_000, nextCursor: 'page' | 'head' = 'page') {
  sim = new CrmSimulator({ token: 'tok', faults, nextCursor });
  const url = await sim.start();
  const config = parseConnectorConfig('crm-rest', crmRestConfig, {
    baseUrl: url,
    jurisdiction: 'testville',
    pageSize: 2,
    timeoutMs,
  });
  const source = crmRest.source?.(config, ctx);
  const sink = crmRest.sink?.(config, ctx);
  const lookup = crmRest.lookup?.(config, ctx);
  if (!source || !sink || !lookup?.ticket) throw new Error('crm-rest must have a source, a sink and a ticket lookup');
  return { sim, source, sink, lookup: { ticket: lookup.ticket.bind(lookup) } };
}

async function failure(p: Promise<unknown>): Promise<CloseloopError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloseloopError);
  return err as CloseloopError;
}

describe('crm-rest connector', () => {
  it('reports every config problem at once', () => {
    const raw = { baseUrl: 'nope', pageSize: 0, tokenEnv: 'lower', extra: 1 };
    const err = (() => {
      try {
        parseConnectorConfig('crm-rest', crmRestConfig, raw);
      } catch (e) {
        return e as CloseloopError;
      }
      throw new Error('config was accepted');
    })();
    expect(err.code).toBe('CL_CONFIG_INVALID');
    const problems = (err.details['problems'] as string[]).join('\n');
    for (const field of ['baseUrl', 'jurisdiction', 'tokenEnv', 'pageSize', 'extra']) expect(problems).toContain(field);
  });

  it('reads referral changes page by page as canonical events, marking the echo of its own writes', async () => {
    const { sim, source, sink } = await connector();
    const a = sim.createTicket({
      serviceCode: 'SR-POTHOLE',
      description: 'hole',
      contact: { name: 'Ada', email: 'a@x.org', phone: null },
    });
    const b = sim.createTicket({ serviceCode: 'SR-GRAFFITI' });
    sim.declareDuplicate(b.id, a.id);
    const first = await source.poll(null);
    expect(first.records.map((r) => [r.key, r.value.kind])).toEqual([
      [a.id, 'OPENED'],
      [b.id, 'OPENED'],
    ]);
    expect(JSON.stringify(first.records)).not.toContain('a@x.org');
    const second = await source.poll(first.cursor);
    expect(second.records.map((r) => [r.value.kind, r.value.duplicateOf])).toEqual([['DUPLICATE_DECLARED', a.id]]);
    expect(second.records[0]?.value.envelope).toMatchObject({
      sequence: 3,
      source: 'crm-rest',
      origin: 'crm',
      jurisdiction: 'testville',
    });
    expect((await source.poll(second.cursor)).records).toEqual([]);

    const bridge = new Bridge(await testPolicy());
    bridge.send(crm(a.id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    await sink.deliver(bridge.lastStatus(a.id));
    const echo = await source.poll(second.cursor);
    expect(echo.records.map((r) => [r.value.kind, r.value.envelope.origin])).toEqual([['UPDATED', 'closeloop']]);
  });

  // A CRM that answers its latest seq as every page's nextCursor had the bridge skip what lay
  // between a full page's last change and that seq, with no warning.
  it('reads every change once from a CRM whose pages end at its latest seq', async () => {
    const { sim, source } = await connector({}, 2_000, 'head');
    const ids = Array.from({ length: 5 }, (_, i) => sim.createTicket({ serviceCode: `SR-${i}` }).id);
    const read: string[] = [];
    const cursors: (string | null)[] = [null];
    for (let poll = 0; poll < 10; poll++) {
      const page = await source.poll(cursors.at(-1) ?? null);
      read.push(...page.records.map((r) => r.key));
      if (page.records.length === 0) break;
      cursors.push(page.cursor);
    }
    expect(read).toEqual(ids);
    expect(cursors).toEqual([null, '2', '4', '5']);
  });

  // Last on a full page, a change with no readable seq ended the page at the CRM's head: every
  // change between it and the head was neither published nor dead-lettered, and nothing said so.
  it('reads on from a CRM whose pages end at its latest seq past a change whose seq cannot be read', async () => {
    const { sim, source } = await connector({}, 2_000, 'head');
    const first = sim.createTicket({ serviceCode: 'SR-0' }).id;
    sim.corruptNextChange({ unset: ['seq'] });
    const bad = sim.createTicket({ serviceCode: 'SR-1' }).id;
    const rest = Array.from({ length: 4 }, (_, i) => sim.createTicket({ serviceCode: `SR-${i + 2}` }).id);
    const read: string[] = [];
    const dead: (string | null)[] = [];
    let cursor: string | null = null;
    for (let poll = 0; poll < 10; poll++) {
      const page = await source.poll(cursor);
      read.push(...page.records.map((r) => r.key));
      dead.push(...(page.rejected ?? []).map((r) => r.key));
      if (page.records.length + (page.rejected?.length ?? 0) === 0) break;
      expect(source.cursorAdvances?.(cursor, page.cursor)).toBe(true);
      cursor = page.cursor;
    }
    expect(read).toEqual([first, ...rest]);
    // Read again with the change after it: dead-lettered again, never passed unseen.
    expect(dead).toEqual([bad, bad]);
    // Its seq is a hole the cursor waits at, as at any other, and passes after holeWaitSeconds.
    expect(JSON.parse(cursor ?? '')).toMatchObject({ seq: 1 });
    frozen = Date.now() + 120_000;
    const passed = await source.poll(cursor);
    expect([passed.records, passed.rejected, passed.cursor]).toEqual([[], [], '6']);
  });

  // A full page of such changes alone ended at the seq asked after: the next poll asked for the
  // same page, the runner refused it (CL_SOURCE_CURSOR_STUCK), and the feed held there for good.
  it('reads on past a full page of changes whose seq cannot be read, from a CRM whose pages end at its latest seq', async () => {
    const { sim, source } = await connector({}, 2_000, 'head');
    sim.corruptNextChange({ unset: ['seq'] });
    sim.corruptNextChange({ unset: ['seq'] });
    const bad = [0, 1].map((i) => sim.createTicket({ serviceCode: `SR-${i}` }).id);
    const rest = [2, 3].map((i) => sim.createTicket({ serviceCode: `SR-${i}` }).id);
    // Placed at the lowest seqs they can take on a feed that may answer the change asked after
    // again (1 and 2 for two changes after 0 on an inclusive feed): the page ends at 1, and the
    // second, at 2 here, is read (and dead-lettered) again with what follows.
    const first = await source.poll(null);
    expect([first.records, first.rejected?.map((r) => r.key), first.cursor]).toEqual([[], bad, '1']);
    expect(source.cursorAdvances?.(null, first.cursor)).toBe(true);
    const next = await source.poll(first.cursor);
    expect([next.records.map((r) => r.key), next.rejected?.map((r) => r.key)]).toEqual([
      rest.slice(0, 1),
      bad.slice(1),
    ]);
    // The hole it left at 2 is waited at (holeWaitSeconds), its change not dead-lettered again.
    const last = await source.poll(next.cursor);
    expect([last.records.map((r) => r.key), last.rejected ?? []]).toEqual([rest.slice(1), []]);
    const again = await source.poll(last.cursor);
    expect([again.records, again.rejected ?? []]).toEqual([[], []]);
  });

  it('applies statuses with their version, and a re-delivery is a no-op', async () => {
    const { sim, sink } = await connector();
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm(t.id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept(t.id, `${t.id}#1`, 'maximo', 'COMP', 2, { department: 'transportation' }));
    for (const s of bridge.statusesOf(t.id)) await sink.deliver(s);
    for (const s of bridge.statusesOf(t.id)) await sink.deliver(s);
    expect(sim.applied.map((a) => [a.version, a.status, a.closureReason])).toEqual([
      [1, 'open', null],
      [2, 'closed', 'WORK_COMPLETED'],
    ]);
    expect(sim.tickets.get(t.id)?.status).toBe('closed');
  });

  // A department's own correlation id is carried to the CRM: one that cannot go as a header as
  // it is (a newline, a character past ASCII) was refused by undici and its status dead-lettered.
  it('sends any correlation id as the x-correlation-id header, percent-encoded when it cannot go as it is', async () => {
    const { sim, v1, v2, sink } = await crmWithTicket(cleanup);
    await sink.deliver({ ...v1, envelope: { ...v1.envelope, correlationId: 'trace-✓-42' } });
    await sink.deliver({ ...v2, envelope: { ...v2.envelope, correlationId: 'abc\ndef' } });
    expect(sim.applied.map((a) => [a.version, a.correlationId])).toEqual([
      [1, 'trace-%E2%9C%93-42'],
      [2, 'abc%0Adef'],
    ]);
  });

  it("looks a ticket up as the CRM holds it now: status, the bridge's last version, when it changed", async () => {
    const { sim, sink, lookup } = await connector();
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE', contact: { name: 'Ada', email: 'a@x.org', phone: null } });
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm(t.id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    await sink.deliver(bridge.lastStatus(t.id));
    const seen = await lookup.ticket(t.id);
    expect(seen).toEqual({
      ticketId: t.id,
      status: 'open',
      statusVersion: 1,
      lifecycleState: bridge.lastStatus(t.id).lifecycleState,
      closureReason: null,
      updatedAt: sim.tickets.get(t.id)?.updatedAt,
    });
    expect(JSON.stringify(seen)).not.toContain('a@x.org');
    expect(await lookup.ticket('SR-999999')).toBeNull();
  });

  it.each([
    [{ errorRate: 1 }, 'CL_CONNECTOR_RETRIABLE', true],
    [{ throttleRate: 1 }, 'CL_CONNECTOR_RETRIABLE', true],
    [{ outages: [{ from: 0, until: Number.MAX_SAFE_INTEGER }] }, 'CL_CONNECTOR_RETRIABLE', true],
    [{ timeoutRate: 1 }, 'CL_CONNECTOR_RETRIABLE', true],
    [{ malformedRate: 1 }, 'CL_CONNECTOR_MALFORMED', true],
  ])('classifies %o as %s', async (faults, code, retriable) => {
    const { source } = await connector(faults, 300);
    const err = await failure(source.poll(null));
    expect(err).toMatchObject({ code, retriable });
  });

  it('classifies a refused update as a data error, to be dead-lettered', async () => {
    const { sink } = await connector();
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('SR-404404', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const err = await failure(sink.deliver(bridge.lastStatus('SR-404404')));
    expect(err).toMatchObject({ code: 'CL_CONNECTOR_REJECTED', retriable: false, details: { httpStatus: 404 } });
  });

  it('reports health from the real API, and a wrong token as a refusal', async () => {
    const { source, sim } = await connector();
    expect(await source.health()).toEqual({ status: 'up' });
    const url = await (async () => {
      await sim.stop();
      return sim.start();
    })();
    const config = parseConnectorConfig('crm-rest', crmRestConfig, { baseUrl: url, jurisdiction: 'x' });
    const wrong = crmRest.source?.(config, { ...ctx, env: { CRM_API_TOKEN: 'bad' } });
    const health = await wrong?.health();
    expect(health?.status).toBe('down');
    expect(health?.detail).toContain('HTTP 401');
  });
});

describe('request facts from the CRM (channel, kind, public location, due date)', () => {
  it.each([
    ['Phone', 'PHONE'],
    ['Call Center', 'PHONE'],
    ['Mobile App', 'MOBILE_APP'],
    ['Web', 'WEB'],
    ['Online Self Service', 'WEB'],
    ['Email', 'EMAIL'],
    ['Walk-In', 'WALK_IN'],
    ['Twitter', 'SOCIAL'],
    ['City Employee', 'EMPLOYEE'],
    ['Internal', 'EMPLOYEE'],
    ['Carrier Pigeon', 'OTHER'],
  ])('maps the channel %s to %s, and an unknown one to OTHER, never dropping it', (name, channel) => {
    expect(channelOf(name)).toBe(channel);
  });

  it('carries kind, location and due date, and leaves them null where the CRM says nothing', () => {
    const base = {
      seq: 1,
      at: 10,
      ticketId: 'SR-1',
      kind: 'OPENED' as const,
      actor: 'agent' as const,
      serviceCode: 'GRASS',
      serviceName: null,
      description: null,
      requestedAt: 5,
      duplicateOf: null,
      followUpOf: null,
      closureReason: null,
      note: null,
    };
    const facts = {
      channel: 'Web',
      requestKind: 'information' as const,
      address: '3400 GARRISON BLVD',
      latitude: 39.33,
      longitude: -76.68,
      district: '6',
      dueAt: 99,
    };
    expect(changeToEvent({ ...base, ...facts }, 'baltimore').value).toMatchObject({
      channel: 'WEB',
      requestKind: 'INFORMATION',
      location: { address: '3400 GARRISON BLVD', latitude: 39.33, longitude: -76.68, district: '6' },
      crmDueAt: 99,
    });
    const none = {
      channel: null,
      requestKind: null,
      address: null,
      latitude: null,
      longitude: null,
      district: null,
      dueAt: null,
    };
    expect(changeToEvent({ ...base, ...none }, 'baltimore').value).toMatchObject({
      channel: null,
      requestKind: null,
      location: null,
      crmDueAt: null,
    });
  });
});

describe("where a page of the CRM's feed leaves the cursor", () => {
  const at = (...seqs: unknown[]) => seqs.map((seq) => ({ seq }));
  const end = (changes: unknown[], nextCursor: number, full = false, after = 0) =>
    pageEnd(changes, nextCursor, full, after);

  it("is the page's nextCursor, but never past its last change", () => {
    expect(end(at(1, 2), 20)).toMatchObject({ end: 2, guessed: false });
    expect(end(at(1, 2), 2).end).toBe(2);
    expect(end(at(3), 2).end).toBe(2);
    expect(end([], 7).end).toBe(7);
  });

  // The CRM's word stood for a last change with no readable seq: a head as nextCursor skipped
  // every change between it and the head. (Encoded as right before: pageEnd(at(1, 'x'), 20) was 20.)
  it('holds at the last seq read before a change whose seq cannot be read, unless nextCursor can be its seq', () => {
    // Last on a full page: read again with what follows it.
    expect(end(at(1, 'x'), 20, true)).toMatchObject({ end: 1, guessed: false });
    expect(end(at(1, null), 2, true).end).toBe(1);
    // Last on a page that is not full: nextCursor is its seq when nothing else fits between.
    expect(end(at(1, 'x'), 2).end).toBe(2);
    expect(end(at(1, 'x', 'y'), 3).end).toBe(3);
    expect(end(at(5, 'x'), 6, false, 4).end).toBe(6);
    // A head further on counts a seq still to come: held at the last seq read.
    expect(end(at(1, 'x'), 20).end).toBe(1);
    // Digits as text are a seq; what Number() also reads (hex, exponents) is none, as the
    // change schema refuses it: such a change places no end.
    expect(end(at(1, '2'), 20, true).end).toBe(2);
    expect(end(at(1, '0x29'), 60, true).end).toBe(1);
    expect(end(at(1, '1e1'), 60, true).end).toBe(1);
    // Such changes alone: nextCursor when it can be their seqs, the seq asked after otherwise
    // (the runner refuses that page until the feed shows what follows).
    expect(end(at('x'), 5, false, 4).end).toBe(5);
    expect(end(at('x'), 9, false, 4)).toMatchObject({ end: 4, guessed: false });
  });

  // A full page of such changes alone would ask the same page again for good.
  it('reads on past a full page of changes whose seq cannot be read, to the lowest seq the last can have', () => {
    expect(end(at('x', 'y'), 9, true, 4)).toMatchObject({ end: 5, guessed: true });
    expect(end(at('x', 'y'), 6, true, 4)).toMatchObject({ end: 6, guessed: false });
    // A nextCursor that does not move past the seq asked after stays for the runner to refuse.
    expect(end(at('x', 'y'), 4, true, 4).end).toBe(4);
  });
});
