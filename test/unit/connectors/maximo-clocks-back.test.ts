import { afterEach, describe, expect, it } from 'vitest';
import { queryStart } from '../../../connectors/maximo/clocks-back.ts';
import { FeedCursor, feedCursorProblem, type FeedChange } from '../../../connectors/maximo/cursor.ts';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type SourceRecord, type WorkOrderEvent } from '../../../src/sdk/index.ts';

// Maximo keeps its dates in the app server's local time and compares a query's date in it. On
// the night New York's clocks go back, a change saved at 01:10 EST (06:10Z) is kept as 01:10,
// and the feed's query from its cursor less the look-back (01:53 EDT) did not find it. Once a
// change after 02:00 moved the cursor on, no query ever did: the ticket never moved again.

const sims: MaximoSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.stop();
});

const at = (iso: string) => Date.parse(iso);

async function newYorkNight(options: Record<string, unknown>) {
  let now = at('2026-11-01T04:50:00Z'); // 00:50 EDT
  const sim = new MaximoSimulator({ apiKey: 'key', clock: () => now, serverZone: 'America/New_York' });
  sims.push(sim);
  const url = await sim.start();
  const config = parseConnectorConfig('maximo', maximo.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: { transportation: 'DOT' },
    pageSize: 2,
    ...options,
  });
  const logger = createLogger({ level: 'silent' });
  const source = maximo.source?.(config, { logger, env: { MAXIMO_API_KEY: 'key' }, clock: () => now });
  if (!source) throw new Error('maximo has no source');
  const add = (n: number) =>
    sim.addWorkOrder({ siteid: 'DOT', origrecordid: `T-${n}`, origrecordclass: 'SR', externalrefid: `T-${n}#1` }, []);
  let cursor: string | null = null;
  const published: SourceRecord<WorkOrderEvent>[] = [];
  /** Polls at `iso`, answering what this poll published as ticket:status. */
  const pollAt = async (iso: string) => {
    now = at(iso);
    const batch = await source.poll(cursor);
    expect(batch.rejected ?? []).toEqual([]);
    expect(batch.warnings ?? []).toEqual([]);
    cursor = batch.cursor;
    published.push(...batch.records);
    return batch.records.map((r) => `${r.value.ticketId}:${r.value.rawStatus}`);
  };
  const setNow = (iso: string) => {
    now = at(iso);
  };
  return { sim, add, pollAt, setNow, published };
}

/** The night's changes up to the first poll in the repeated hour, T-2's completion among them. */
async function toRepeatedHour(night: Awaited<ReturnType<typeof newYorkNight>>) {
  const { sim, add, pollAt, setNow } = night;
  add(2); // 00:50 EDT
  setNow('2026-11-01T05:30:00Z'); // 01:30 EDT
  add(1);
  expect(await pollAt('2026-11-01T05:31:00Z')).toEqual(['T-2:WAPPR', 'T-1:WAPPR']);
  setNow('2026-11-01T05:58:00Z'); // 01:58 EDT
  sim.changeStatus('T-1#1', 'APPR');
  expect(await pollAt('2026-11-01T05:59:00Z')).toEqual(['T-1:APPR']);
  setNow('2026-11-01T06:10:00Z'); // 01:10 EST: Maximo keeps 01:10 and answers 01:10-04:00
  sim.changeStatus('T-2#1', 'COMP', 'pothole filled');
  const t2 = [...sim.workOrders.values()].find((w) => w.origrecordid === 'T-2');
  expect(t2?.changedate).toBe('2026-11-01T06:10:00+00:00');
}

describe('maximo feed on the night the clocks go back', () => {
  it('with the server zone, reads a change saved in the repeated hour as it comes', async () => {
    const night = await newYorkNight({ timeZone: 'America/New_York' });
    await toRepeatedHour(night);
    expect(await night.pollAt('2026-11-01T06:11:00Z')).toEqual(['T-2:COMP']);
    const comp = night.published.find((r) => r.value.rawStatus === 'COMP');
    // Dated as Maximo answers it: the earlier of the two 01:10s.
    expect(comp?.value.envelope.occurredAt).toBe(at('2026-11-01T05:10:00Z'));
    night.add(3);
    expect(await night.pollAt('2026-11-01T06:40:00Z')).toEqual(['T-3:WAPPR']);
    night.setNow('2026-11-01T07:05:00Z'); // 02:05 EST
    night.add(4);
    expect(await night.pollAt('2026-11-01T07:06:00Z')).toEqual(['T-4:WAPPR']);
    expect(await night.pollAt('2026-11-01T07:07:00Z')).toEqual([]);
    // Each change once.
    const ids = night.published.map((r) => r.value.envelope.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('without it, reads the repeated hour again once its dates show the clocks went back', async () => {
    const night = await newYorkNight({});
    await toRepeatedHour(night);
    // The local-time query cannot find it yet; nothing tells the feed the clocks went back.
    expect(await night.pollAt('2026-11-01T06:11:00Z')).toEqual([]);
    night.setNow('2026-11-01T07:05:00Z'); // 02:05 EST, answered 02:05-05:00
    night.add(3);
    expect(await night.pollAt('2026-11-01T07:06:00Z')).toEqual(['T-3:WAPPR']);
    const before = night.published.length;
    const reread = await night.pollAt('2026-11-01T07:07:00Z');
    expect(reread).toContain('T-2:COMP');
    // What it reads again and no longer remembers goes out again under the same event id, which
    // the processor knows; nothing new but T-2's completion.
    const earlier = new Set(night.published.slice(0, before).map((r) => r.value.envelope.eventId));
    const again = night.published.slice(before).filter((r) => !earlier.has(r.value.envelope.eventId));
    expect(again.map((r) => `${r.value.ticketId}:${r.value.rawStatus}`)).toEqual(['T-2:COMP']);
    expect(await night.pollAt('2026-11-01T07:08:00Z')).toEqual([]);
  });
});

describe('where the feed query starts when clocks go back', () => {
  it('reaches back to the repeated hour only from within the shift before it', () => {
    const ny = 'America/New_York'; // back from 02:00 EDT to 01:00 EST at 06:00Z
    expect(queryStart(at('2026-11-01T05:53:00Z'), ny)).toBe(at('2026-11-01T05:00:00Z'));
    expect(queryStart(at('2026-11-01T05:00:01Z'), ny)).toBe(at('2026-11-01T05:00:00Z'));
    // From 00:59:59 EDT every later change has a later local time: the repeated hour starts at 01:00.
    expect(queryStart(at('2026-11-01T04:59:59Z'), ny)).toBe(at('2026-11-01T04:59:59Z'));
    expect(queryStart(at('2026-11-01T06:00:00Z'), ny)).toBe(at('2026-11-01T06:00:00Z'));
    expect(queryStart(at('2026-07-01T05:53:00Z'), ny)).toBe(at('2026-07-01T05:53:00Z'));
    // Clocks going forward hide nothing.
    expect(queryStart(at('2026-03-08T06:50:00Z'), ny)).toBe(at('2026-03-08T06:50:00Z'));
    // Lord Howe Island goes back half an hour, from 02:00 +11:00 (15:00Z) to 01:30 +10:30.
    expect(queryStart(at('2026-04-04T14:50:00.250Z'), 'Australia/Lord_Howe')).toBe(at('2026-04-04T14:30:00Z'));
    expect(queryStart(at('2026-04-04T14:20:00Z'), 'Australia/Lord_Howe')).toBe(at('2026-04-04T14:20:00Z'));
    expect(queryStart(at('2026-11-01T05:53:00Z'), undefined)).toBe(at('2026-11-01T05:53:00Z'));
  });
});

describe('maximo feed cursor, without the server zone, when its dates fall to a smaller offset', () => {
  const LIMITS = { lookBackMs: 300_000, maxRemembered: 100, maxAheadMs: 300_000 };
  let rowstamp = 9_000;
  const change = (id: number, changedate: string): FeedChange => ({
    workorderid: id,
    _rowstamp: String(++rowstamp),
    changedate,
    wonum: String(1000 + id),
    siteid: 'DOT',
  });
  const again = (c: FeedCursor, now: string) => FeedCursor.parse(c.end().cursor, LIMITS).since(at(now));

  it('reads again from the shift before the last date at the old offset, once', () => {
    const c = FeedCursor.parse(null, LIMITS);
    const first = change(1, '2026-11-01T01:58:00-04:00');
    expect(c.take(first, at('2026-11-01T06:30:00Z'))).toBe(true);
    // A change of the repeated hour read late is dated before it: not the latest.
    expect(c.take(change(2, '2026-11-01T01:20:00-04:00'), at('2026-11-01T06:30:00Z'))).toBe(true);
    expect(c.take(change(3, '2026-11-01T02:05:00-05:00'), at('2026-11-01T07:06:00Z'))).toBe(true);
    const { cursor } = c.end();
    expect(JSON.parse(cursor)).toMatchObject({ offset: -300, reread: '2026-11-01T04:58:00+00:00' });
    const next = FeedCursor.parse(cursor, LIMITS);
    expect(next.since(at('2026-11-01T07:07:00Z'))).toBe('2026-11-01T04:58:00+00:00');
    expect(next.rereading).toBe('2026-11-01T04:58:00+00:00');
    // What it published since then it still knows.
    expect(next.take(first, at('2026-11-01T07:07:00Z'))).toBe(false);
    expect(again(next, '2026-11-01T07:08:00Z')).toBe('2026-11-01T07:00:00+00:00');
  });

  it('reads nothing again when the offset rises, falls by more than a DST shift, or falls twice in a day', () => {
    const rise = FeedCursor.parse(null, LIMITS);
    rise.take(change(1, '2026-03-08T01:58:00-05:00'), at('2026-03-08T07:00:00Z'));
    rise.take(change(2, '2026-03-08T03:05:00-04:00'), at('2026-03-08T07:06:00Z'));
    expect(again(rise, '2026-03-08T07:07:00Z')).toBe('2026-03-08T07:00:00+00:00');

    const zones = FeedCursor.parse(null, LIMITS);
    zones.take(change(1, '2026-11-02T10:00:00+02:00'), at('2026-11-02T08:00:00Z'));
    zones.take(change(2, '2026-11-02T04:01:00-04:00'), at('2026-11-02T08:01:00Z'));
    expect(again(zones, '2026-11-02T08:02:00Z')).toBe('2026-11-02T07:56:00+00:00');

    // Two app servers, one set to New York and one to fixed EST: the first fall reads again, the next ones do not.
    const servers = FeedCursor.parse(null, LIMITS);
    servers.take(change(1, '2026-11-02T10:00:00-04:00'), at('2026-11-02T14:00:00Z'));
    servers.take(change(2, '2026-11-02T09:01:00-05:00'), at('2026-11-02T14:01:00Z'));
    const stored = FeedCursor.parse(servers.end().cursor, LIMITS);
    expect(stored.since(at('2026-11-02T14:02:00Z'))).toBe('2026-11-02T13:00:00+00:00');
    stored.take(change(3, '2026-11-02T10:05:00-04:00'), at('2026-11-02T14:05:00Z'));
    stored.take(change(4, '2026-11-02T09:06:00-05:00'), at('2026-11-02T14:06:00Z'));
    expect(again(stored, '2026-11-02T14:07:00Z')).toBe('2026-11-02T14:01:00+00:00');
  });

  it('refuses a stored cursor whose offsets are not what it writes', () => {
    const base = { changedate: '2026-11-01T07:05:00Z', seen: [] };
    expect(feedCursorProblem(JSON.stringify({ ...base, offset: -300, offsetAt: '2026-11-01T07:05:00Z' }))).toBeNull();
    expect(feedCursorProblem(JSON.stringify({ ...base, offset: '-05:00', offsetAt: '2026-11-01T07:05:00Z' }))).toMatch(
      /offset is not a number of minutes/,
    );
    expect(feedCursorProblem(JSON.stringify({ ...base, offset: -300 }))).toMatch(/offset and offsetAt go together/);
    expect(feedCursorProblem(JSON.stringify({ ...base, reread: 'soon' }))).toMatch(/reread is not a date/);
  });
});
