import { afterEach, describe, expect, it } from 'vitest';
import { firstOccurrence, queryStart, reachOf } from '../../../connectors/maximo/clocks-back.ts';
import { FeedCursor, feedCursorProblem, type FeedChange } from '../../../connectors/maximo/cursor.ts';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type SourceRecord, type WorkOrderEvent } from '../../../src/sdk/index.ts';

// Maximo keeps its dates in the app server's local time and compares a query's date in it. On
// the night New York's clocks go back, a change saved at 01:10 EST (06:10Z) is kept as 01:10,
// and the feed's query from its cursor less the look-back (01:53 EDT) did not find it. Once a
// change after 02:00 moved the cursor on, no query ever did: the ticket never moved again.
// Maximo answers a repeated local time at its later offset, as java.util's Calendar reads it (a
// change saved at 01:30 EDT is answered 01:30-05:00, an hour ahead); the earlier is tried too.

const sims: MaximoSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.stop();
});

const at = (iso: string) => Date.parse(iso);
type Repeated = 'later' | 'earlier';

async function newYorkNight(repeatedHourAt: Repeated, options: Record<string, unknown>) {
  let now = at('2026-11-01T04:50:00Z'); // 00:50 EDT
  const sim = new MaximoSimulator({ apiKey: 'key', clock: () => now, serverZone: 'America/New_York', repeatedHourAt });
  sims.push(sim);
  const url = await sim.start();
  const config = parseConnectorConfig('maximo', maximo.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: { transportation: 'DOT' },
    pageSize: 2,
    ...options,
  });
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
  const source = maximo.source?.(config, { logger, env: { MAXIMO_API_KEY: 'key' }, clock: () => now });
  if (!source) throw new Error('maximo has no source');
  const add = (n: number) =>
    sim.addWorkOrder({ siteid: 'DOT', origrecordid: `T-${n}`, origrecordclass: 'SR', externalrefid: `T-${n}#1` }, []);
  let cursor: string | null = null;
  const published: SourceRecord<WorkOrderEvent>[] = [];
  const warnings = new Set<string>();
  /** Polls at `iso`, answering what this poll published as ticket:status. */
  const pollAt = async (iso: string) => {
    now = at(iso);
    const batch = await source.poll(cursor);
    expect(batch.rejected ?? []).toEqual([]);
    for (const w of batch.warnings ?? []) warnings.add(w.code);
    cursor = batch.cursor;
    published.push(...batch.records);
    return batch.records.map((r) => `${r.value.ticketId}:${r.value.rawStatus}`);
  };
  const setNow = (iso: string) => {
    now = at(iso);
  };
  /** The clocks-went-back lines logged: where the queries were held from and until. */
  const holds = () =>
    logs
      .map((l) => JSON.parse(l) as { msg: string; from?: string; until?: string })
      .filter((l) => l.msg.startsWith("Maximo's dates fell"))
      .map((l) => `${l.from ?? ''}..${l.until ?? ''}`);
  /** How often the source said to set timeZone. */
  const advised = () =>
    logs.filter((l) => (JSON.parse(l) as { msg: string }).msg.startsWith('Maximo writes its dates with a UTC offset'))
      .length;
  return { sim, add, pollAt, setNow, published, warnings, holds, advised };
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
  setNow('2026-11-01T06:10:00Z'); // 01:10 EST: Maximo keeps 01:10
  sim.changeStatus('T-2#1', 'COMP', 'pothole filled');
  const t2 = [...sim.workOrders.values()].find((w) => w.origrecordid === 'T-2');
  expect(t2?.changedate).toBe('2026-11-01T06:10:00+00:00');
}

/** Each change once, but for what a poll without the zone read again and no longer remembered. */
function eachOnce(published: readonly SourceRecord<WorkOrderEvent>[]) {
  const ids = published.map((r) => r.value.envelope.eventId);
  return new Set(ids).size === ids.length;
}

describe.each(['later', 'earlier'] as const)(
  'maximo feed on the night the clocks go back, repeated local times answered at the %s offset',
  (repeated) => {
    it('with the server zone, reads a change saved in the repeated hour as it comes', async () => {
      const night = await newYorkNight(repeated, { timeZone: 'America/New_York' });
      await toRepeatedHour(night);
      expect(await night.pollAt('2026-11-01T06:11:00Z')).toEqual(['T-2:COMP']);
      night.add(3);
      expect(await night.pollAt('2026-11-01T06:40:00Z')).toEqual(['T-3:WAPPR']);
      night.setNow('2026-11-01T07:05:00Z'); // 02:05 EST
      night.add(4);
      expect(await night.pollAt('2026-11-01T07:06:00Z')).toEqual(['T-4:WAPPR']);
      expect(await night.pollAt('2026-11-01T07:07:00Z')).toEqual([]);
      expect(await night.pollAt('2026-11-01T07:30:00Z')).toEqual([]);
      expect(eachOnce(night.published)).toBe(true);
      // The first 01:30 and 01:58, answered at the later offset an hour ahead of the clock, are
      // read as the first occurrence: neither ahead of the clock nor of T-2's completion.
      const dated = (ticket: string, status: string) =>
        night.published.find((r) => r.value.ticketId === ticket && r.value.rawStatus === status)?.value.envelope
          .occurredAt;
      expect(dated('T-1', 'WAPPR')).toBe(at('2026-11-01T05:30:00Z'));
      expect(dated('T-1', 'APPR')).toBe(at('2026-11-01T05:58:00Z'));
      // The second 01:10 as Maximo answers it: at the earlier offset, that is the first.
      expect(dated('T-2', 'COMP')).toBe(at(repeated === 'later' ? '2026-11-01T06:10:00Z' : '2026-11-01T05:10:00Z'));
      expect([...night.warnings]).toEqual([]);
      expect(night.holds()).toEqual([]);
      expect(night.advised()).toBe(0);
    });

    it('without it, reads the repeated hour again once its dates show the clocks went back', async () => {
      const night = await newYorkNight(repeated, {});
      await toRepeatedHour(night);
      const found = await night.pollAt('2026-11-01T06:11:00Z');
      // Answered at the later offset, the hour's first change showed the fall before it came.
      expect(found).toEqual(repeated === 'later' ? ['T-2:COMP'] : []);
      night.setNow('2026-11-01T07:05:00Z'); // 02:05 EST, answered 02:05-05:00
      night.add(3);
      expect(await night.pollAt('2026-11-01T07:06:00Z')).toEqual(['T-3:WAPPR']);
      const before = night.published.length;
      const again = await night.pollAt('2026-11-01T07:07:00Z');
      if (repeated === 'earlier') expect(again).toContain('T-2:COMP');
      // What it reads again and no longer remembers goes out again under the same event id, which
      // the processor knows; nothing new but T-2's completion.
      const earlier = new Set(night.published.slice(0, before).map((r) => r.value.envelope.eventId));
      const fresh = night.published.slice(before).filter((r) => !earlier.has(r.value.envelope.eventId));
      expect(fresh.map((r) => `${r.value.ticketId}:${r.value.rawStatus}`)).toEqual(
        repeated === 'earlier' ? ['T-2:COMP'] : [],
      );
      expect(await night.pollAt('2026-11-01T07:08:00Z')).toEqual([]);
      night.setNow('2026-11-01T07:20:00Z');
      night.add(4);
      expect(await night.pollAt('2026-11-01T07:21:00Z')).toEqual(['T-4:WAPPR']);
      expect(await night.pollAt('2026-11-01T07:30:00Z')).toEqual([]);
      expect(night.published.filter((r) => r.value.rawStatus === 'COMP')).toHaveLength(1);
      // Without the zone, a first 01:30 answered at the later offset lies an hour ahead, and says so.
      expect([...night.warnings]).toEqual(repeated === 'later' ? ['CL_SOURCE_CLOCK_AHEAD'] : []);
      // Once: at 01:30 answered -05:00 after 00:50 at -04:00, or at 02:05 -05:00 after 01:58 -04:00.
      expect(night.holds()).toEqual([
        repeated === 'later'
          ? '2026-11-01T03:50:00+00:00..2026-11-01T06:30:00+00:00'
          : '2026-11-01T04:58:00+00:00..2026-11-01T07:05:00+00:00',
      ]);
      // Once a process, at the first date with an offset: set the zone.
      expect(night.advised()).toBe(1);
    });

    // A query from within the shift after the clocks went back (01:57 EST) finds the first 01:58
    // too: forgotten, it went out again on every poll until a change moved the cursor on.
    it.each([{ timeZone: 'America/New_York' }, {}])(
      'publishes each change once after the hour (%o)',
      async (options) => {
        const night = await newYorkNight(repeated, options);
        night.setNow('2026-11-01T05:58:00Z'); // 01:58 EDT
        night.add(1);
        expect(await night.pollAt('2026-11-01T05:59:00Z')).toEqual(['T-1:WAPPR']);
        night.setNow('2026-11-01T06:57:00Z'); // 01:57 EST
        night.add(2);
        night.setNow('2026-11-01T07:02:00Z'); // 02:02 EST
        night.add(3);
        const after: string[] = [];
        for (const t of ['07:03', '07:04', '07:05', '07:30', '09:00'])
          after.push(...(await night.pollAt(`2026-11-01T${t}:00Z`)));
        expect(after.sort()).toEqual(['T-2:WAPPR', 'T-3:WAPPR']);
        expect(eachOnce(night.published)).toBe(true);
      },
    );
  },
);

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

  it('reads a repeated local time answered at the later offset as the first occurrence only when it must be', () => {
    const ny = 'America/New_York';
    const first = (date: string, now: string, zone: string | undefined = ny) =>
      firstOccurrence(date, zone, at(now), 300_000);
    expect(first('2026-11-01T01:30:00-05:00', '2026-11-01T05:31:00Z')).toBe('2026-11-01T01:30:00-04:00');
    // Once the clocks went back it may be either: read as Maximo answered it.
    expect(first('2026-11-01T01:30:00-05:00', '2026-11-01T06:27:00Z')).toBe('2026-11-01T01:30:00-05:00');
    expect(firstOccurrence('2026-11-01T01:30:00-05:00', undefined, at('2026-11-01T05:31:00Z'), 300_000)).toBe(
      '2026-11-01T01:30:00-05:00',
    );
    // Ahead of the clock for another reason (a server's clock), and not a repeated local time.
    expect(first('2026-07-01T03:30:00-04:00', '2026-07-01T05:31:00Z')).toBe('2026-07-01T03:30:00-04:00');
    expect(first('2026-11-01T02:30:00-05:00', '2026-11-01T05:31:00Z')).toBe('2026-11-01T02:30:00-05:00');
    expect(first('2026-04-05T01:45:00+10:30', '2026-04-04T14:46:00Z', 'Australia/Lord_Howe')).toBe(
      '2026-04-05T01:45:00+11:00',
    );
  });

  it('remembers what a query from within the shift after reads of the first occurrence', () => {
    const ny = 'America/New_York';
    expect(reachOf(at('2026-11-01T05:53:00Z'), ny)).toBe(at('2026-11-01T05:00:00Z'));
    // From 01:20 EST the query finds the first 01:20 too, answered 05:20Z at the earlier offset.
    expect(reachOf(at('2026-11-01T06:20:00Z'), ny)).toBe(at('2026-11-01T05:20:00Z'));
    expect(reachOf(at('2026-11-01T07:00:00Z'), ny)).toBe(at('2026-11-01T07:00:00Z'));
    expect(reachOf(at('2026-11-01T06:20:00Z'), undefined)).toBe(at('2026-11-01T06:20:00Z'));
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

  it('holds the queries at the shift before the last date at the old offset until they start past the first at the new', () => {
    const c = FeedCursor.parse(null, LIMITS);
    const first = change(1, '2026-11-01T01:58:00-04:00');
    expect(c.since(at('2026-11-01T06:30:00Z'))).toBeNull();
    expect(c.take(first, at('2026-11-01T06:30:00Z'))).toBe(true);
    // A change of the repeated hour read late is dated before it: not the latest.
    expect(c.take(change(2, '2026-11-01T01:20:00-04:00'), at('2026-11-01T06:30:00Z'))).toBe(true);
    expect(c.take(change(3, '2026-11-01T02:05:00-05:00'), at('2026-11-01T07:06:00Z'))).toBe(true);
    expect(c.clocksWentBack).toEqual({
      from: '2026-11-01T04:58:00+00:00',
      until: '2026-11-01T07:05:00+00:00',
      offsets: 'from UTC-04:00 to UTC-05:00',
    });
    const { cursor } = c.end();
    expect(JSON.parse(cursor)).toMatchObject({
      offset: -300,
      holdFrom: '2026-11-01T04:58:00+00:00',
      holdUntil: '2026-11-01T07:05:00+00:00',
    });
    const next = FeedCursor.parse(cursor, LIMITS);
    expect(next.since(at('2026-11-01T07:07:00Z'))).toBe('2026-11-01T04:58:00+00:00');
    expect(next.clocksWentBack).toBeNull();
    // What it published since then it still knows.
    expect(next.take(first, at('2026-11-01T07:07:00Z'))).toBe(false);
    expect(again(next, '2026-11-01T07:08:00Z')).toBe('2026-11-01T04:58:00+00:00');
    // A change that moves the cursor past the hold ends it.
    next.take(change(4, '2026-11-01T02:11:00-05:00'), at('2026-11-01T07:11:00Z'));
    expect(again(next, '2026-11-01T07:12:00Z')).toBe('2026-11-01T07:06:00+00:00');
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

    // Two app servers, one set to New York and one to fixed EST: the first fall holds, the next ones do not.
    const servers = FeedCursor.parse(null, LIMITS);
    servers.take(change(1, '2026-11-02T10:00:00-04:00'), at('2026-11-02T14:00:00Z'));
    servers.take(change(2, '2026-11-02T09:01:00-05:00'), at('2026-11-02T14:01:00Z'));
    const stored = FeedCursor.parse(servers.end().cursor, LIMITS);
    expect(stored.since(at('2026-11-02T14:02:00Z'))).toBe('2026-11-02T13:00:00+00:00');
    stored.take(change(3, '2026-11-02T10:07:00-04:00'), at('2026-11-02T14:07:00Z'));
    stored.take(change(4, '2026-11-02T09:08:00-05:00'), at('2026-11-02T14:08:00Z'));
    expect(again(stored, '2026-11-02T14:09:00Z')).toBe('2026-11-02T14:03:00+00:00');
  });

  // A backlog read from the start (or long after an outage) reads the repeated hour in local
  // time order with all else: there was nothing it passed over.
  it('does not hold for a fall long past that its query started before', () => {
    const c = FeedCursor.parse(null, LIMITS);
    expect(c.since(at('2026-12-01T12:00:00Z'))).toBeNull();
    c.take(change(1, '2025-11-02T01:50:00-04:00'), at('2026-12-01T12:00:00Z'));
    c.take(change(2, '2025-11-02T01:10:00-05:00'), at('2026-12-01T12:00:00Z'));
    c.take(change(3, '2026-11-30T10:00:00-05:00'), at('2026-12-01T12:00:00Z'));
    expect(c.clocksWentBack).toBeNull();
    expect(again(c, '2026-12-01T12:01:00Z')).toBe('2026-11-30T14:55:00+00:00');
  });

  it('refuses a stored cursor whose offsets are not what it writes', () => {
    const base = { changedate: '2026-11-01T07:05:00Z', seen: [] };
    expect(feedCursorProblem(JSON.stringify({ ...base, offset: -300, offsetAt: '2026-11-01T07:05:00Z' }))).toBeNull();
    expect(feedCursorProblem(JSON.stringify({ ...base, offset: '-05:00', offsetAt: '2026-11-01T07:05:00Z' }))).toMatch(
      /offset is not a number of minutes/,
    );
    expect(feedCursorProblem(JSON.stringify({ ...base, offset: -300 }))).toMatch(/offset and offsetAt go together/);
    expect(feedCursorProblem(JSON.stringify({ ...base, holdFrom: 'soon', holdUntil: base.changedate }))).toMatch(
      /holdFrom is not a date/,
    );
    expect(feedCursorProblem(JSON.stringify({ ...base, holdFrom: base.changedate }))).toMatch(/go together/);
  });
});
