import { describe, expect, it } from 'vitest';
import { maximoConfig } from '../../../connectors/maximo/config.ts';
import {
  FeedCursor,
  feedCursorProblem,
  MAX_CURSOR_BYTES,
  maximoDate,
  type FeedChange,
} from '../../../connectors/maximo/cursor.ts';

const T = Date.parse('2026-11-30T15:00:00Z');
const LIMITS = { lookBackMs: 300_000, maxRemembered: 100, maxAheadMs: 300_000 };
let rowstamp = 5_000;

/** A change of work order `id` saved at T + `offsetS` seconds, with a new row version. */
const change = (id: number, offsetS: number, ticket = `T-${id}`): FeedChange => ({
  workorderid: id,
  _rowstamp: String(++rowstamp),
  changedate: maximoDate(T + offsetS * 1000),
  wonum: String(1000 + id),
  siteid: 'DOT',
  origrecordid: ticket,
});

/** Ends a poll and reads its cursor back, as a restarted source would. */
function restart(cursor: FeedCursor, limits = LIMITS) {
  const { cursor: stored, warnings } = cursor.end();
  return { cursor: FeedCursor.parse(stored, limits), stored: JSON.parse(stored) as Record<string, unknown>, warnings };
}

describe('maximo feed cursor', () => {
  it('reads from the beginning when empty, then from its changedate less the look-back', () => {
    const c = FeedCursor.parse(null, LIMITS);
    expect(c.since(T)).toBeNull();
    expect(c.take(change(1, 0), T)).toBe(true);
    const { cursor } = restart(c);
    expect(cursor.since(T)).toBe(maximoDate(T - 300_000));
  });

  it('publishes a change committed late with an earlier changedate, and each change once, across a restart', () => {
    const c = FeedCursor.parse(null, LIMITS);
    // WO-1 is saved at T but commits late; WO-2, saved a second later, is read first.
    const late = change(1, 0);
    const early = change(2, 1);
    expect(c.take(early, T + 2_000)).toBe(true);
    const { cursor: next, stored } = restart(c);
    expect(stored).toMatchObject({ changedate: maximoDate(T + 1_000), seen: [`2:${early._rowstamp}`] });
    // The next query starts before the late change: it is read and published, and WO-2 is not again.
    expect(Date.parse(next.since(T + 4_000) ?? '')).toBeLessThanOrEqual(T);
    expect(next.take(late, T + 4_000)).toBe(true);
    expect(next.take(early, T + 4_000)).toBe(false);
    const { cursor: third } = restart(next);
    expect(third.take(late, T + 5_000)).toBe(false);
    expect(third.take(early, T + 5_000)).toBe(false);
    // A new version of the same work order is a new change.
    expect(third.take({ ...late, _rowstamp: String(++rowstamp) }, T + 5_000)).toBe(true);
  });

  it('loads a cursor written before the look-back and reads on from it exactly as that code did', () => {
    const key = '7:4242';
    const old = JSON.stringify({ changedate: '2026-11-30T10:00:00-05:00', seen: [key] });
    const c = FeedCursor.parse(old, LIMITS);
    // The changes before it are not known by key: reading them again would publish them twice.
    expect(c.since(T + 10_000)).toBe(maximoDate(T));
    expect(c.take({ ...change(7, 0), _rowstamp: '4242' }, T + 10_000)).toBe(false);
    expect(c.take(change(8, -1), T + 10_000)).toBe(false);
    expect(c.take(change(9, 0), T + 10_000)).toBe(true);
    expect(c.take(change(10, 3), T + 10_000)).toBe(true);
    const { cursor, stored } = restart(c);
    expect(stored).toMatchObject({ changedate: maximoDate(T + 3_000), floor: new Date(T).toISOString() });
    expect(cursor.take(change(11, 1), T + 10_000)).toBe(true);
    // Once the look-back has passed the old changedate, the floor is gone.
    const later = FeedCursor.parse(cursor.end().cursor, LIMITS);
    later.take(change(12, 400), T + 400_000);
    expect(restart(later).stored['floor']).toBeUndefined();
  });

  it("places a work order's events in the order of its row stamps, across a restart, while it remembers them", () => {
    const c = FeedCursor.parse(null, LIMITS);
    // WSCH saved at T + 30 s by server A; COMP saved later by B, a minute behind, at T + 15 s.
    const wsch = change(1, 30);
    const comp = { ...change(1, 15), _rowstamp: String(++rowstamp) };
    c.take(wsch, T + 40_000);
    expect(c.place(wsch, T + 30_000)).toEqual({ occurredAt: T + 30_000, moved: null });
    const { cursor, stored } = restart(c);
    expect(stored['occurred']).toBeUndefined();
    cursor.take(comp, T + 80_000);
    expect(cursor.place(comp, T + 15_000)).toMatchObject({
      occurredAt: T + 30_001,
      moved: { statusdate: T + 15_000, latest: { rowstamp: wsch._rowstamp, occurredAt: T + 30_000 } },
    });
    // A priority change read after a restart: its status date is COMP's, placed after it again.
    const again = restart(cursor);
    expect(again.stored['occurred']).toEqual({ [`1:${comp._rowstamp}`]: T + 30_001 });
    expect(feedCursorProblem(JSON.stringify(again.stored))).toBeNull();
    const priority = { ...change(1, 16), _rowstamp: String(++rowstamp) };
    again.cursor.take(priority, T + 81_000);
    expect(again.cursor.place(priority, T + 15_000).occurredAt).toBe(T + 30_002);
    // An older row version read after a newer one (a re-query at a page boundary) is placed before it.
    const older = { ...change(1, 40), _rowstamp: String(Number(wsch._rowstamp) - 1) };
    again.cursor.take(older, T + 81_000);
    expect(again.cursor.place(older, T + 40_000).occurredAt).toBe(T + 30_001);
    // Another work order, or a row stamp that is no number, is placed at its date.
    const other = change(2, 10);
    again.cursor.take(other, T + 81_000);
    expect(again.cursor.place(other, T + 10_000)).toEqual({ occurredAt: T + 10_000, moved: null });
    const odd = { ...change(1, 5), _rowstamp: 'AAAB' };
    again.cursor.take(odd, T + 81_000);
    expect(again.cursor.place(odd, T + 5_000).occurredAt).toBe(T + 5_000);
    // Forgotten with the change once the look-back has passed it.
    const later = FeedCursor.parse(again.cursor.end().cursor, LIMITS);
    later.take(change(3, 700), T + 700_000);
    expect(restart(later).stored['occurred']).toBeUndefined();
    expect(
      feedCursorProblem(JSON.stringify({ changedate: maximoDate(T), seen: [], occurred: { '1:2': 'x' } })),
    ).toMatch(/occurred maps/);
  });

  it("stores where events stand for each work order's latest change only, and fits one record at the cap", () => {
    const c = FeedCursor.parse(null, LIMITS);
    // Three changes of one work order, each with its status set 4 s before the save.
    const changes = [change(1, 10), change(1, 11), change(1, 12)];
    for (const ch of changes) {
      c.take(ch, T + 20_000);
      c.place(ch, Date.parse(ch.changedate) - 4_000);
    }
    const { cursor, stored } = restart(c);
    expect(stored['occurred']).toEqual({ [`1:${changes[2]?._rowstamp}`]: T + 8_000 });
    // Placed after the latest, as before the restart.
    const next = { ...change(1, 9), _rowstamp: String(++rowstamp) };
    cursor.take(next, T + 20_000);
    expect(cursor.place(next, T + 5_000).occurredAt).toBe(T + 8_001);
    // A cursor written when every change's placement was kept still reads, and still orders.
    const old = FeedCursor.parse(
      JSON.stringify({
        changedate: maximoDate(T + 12_000),
        seen: [`1:${changes[2]?._rowstamp}`],
        window: { [maximoDate(T + 10_000)]: [`1:${changes[0]?._rowstamp}`] },
        occurred: { [`1:${changes[0]?._rowstamp}`]: T + 6_000, [`1:${changes[2]?._rowstamp}`]: T + 8_000 },
      }),
      LIMITS,
    );
    old.take(next, T + 20_000);
    expect(old.place(next, T + 5_000).occurredAt).toBe(T + 8_001);

    // At the most the config allows, with realistic dates (25 changes a second, each of its own
    // work order, its status set 4 s before the save), the cursor stays under a record's limit.
    const max = maximoConfig.shape.maxRememberedChanges.unwrap().maxValue ?? Infinity;
    const full = FeedCursor.parse(null, { ...LIMITS, lookBackMs: 3_600_000, maxRemembered: max });
    for (let i = 0; i < max; i += 1) {
      const at = T + Math.floor(i / 25) * 1000;
      const ch = { ...change(10_000_000 + i, 0), _rowstamp: String(8_123_456_789_012 + i), changedate: maximoDate(at) };
      full.take(ch, T + 1_800_000);
      full.place(ch, at - 4_000);
    }
    const end = full.end();
    expect(end.warnings).toEqual([]);
    // Kafka's default message.max.bytes is 1 MiB for the whole record: a margin for key and headers.
    expect(Buffer.byteLength(end.cursor)).toBeLessThan(1_000_000);
  });

  it("holds the cursor to one record's bytes: sparse changes over a long look-back forget their oldest seconds and warn", () => {
    const max = maximoConfig.shape.maxRememberedChanges.unwrap().maxValue ?? Infinity;
    const limits = { ...LIMITS, lookBackMs: 86_400_000, maxRemembered: max };
    const c = FeedCursor.parse(null, limits);
    // One change a second, each of its own work order with long ids: under the cap, over the bytes.
    const now = T + max * 1000;
    for (let i = 0; i < max; i += 1) {
      const at = T + i * 1000;
      const ch = { ...change(1_000_000_000 + i, 0), _rowstamp: String(123_456_789_012_345_678n + BigInt(i)) };
      c.take({ ...ch, changedate: maximoDate(at) }, now);
      c.place(ch, at - 4_000);
    }
    const { cursor, stored, warnings } = restart(c, limits);
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThanOrEqual(MAX_CURSOR_BYTES);
    expect(warnings).toEqual([
      { code: 'CL_SOURCE_CURSOR_FULL', detail: expect.stringContaining(`bytes the cursor's record may take`) },
    ]);
    // As past the cap: a late change in a forgotten second is passed over, one in the newest is read.
    expect(cursor.take({ ...change(7, 0), changedate: maximoDate(T) }, now)).toBe(false);
    expect(cursor.take({ ...change(8, 0), changedate: maximoDate(now - 2_000) }, now)).toBe(true);
  });

  it('forgets what the look-back can no longer reach', () => {
    const c = FeedCursor.parse(null, LIMITS);
    const first = change(1, 0);
    c.take(first, T);
    c.take(change(2, 299), T + 299_000);
    expect(restart(c).stored['window']).toEqual({ [maximoDate(T)]: [`1:${first._rowstamp}`] });
    const d = FeedCursor.parse(c.end().cursor, LIMITS);
    d.take(change(3, 301), T + 301_000);
    const { stored } = restart(d);
    expect(JSON.stringify(stored)).not.toContain(`1:${first._rowstamp}`);
    expect(stored['window']).toEqual({ [maximoDate(T + 299_000)]: [expect.stringMatching(/^2:/)] });
  });

  it('bounds what it remembers: past the cap it forgets whole seconds, warns, and skips before them as before', () => {
    const c = FeedCursor.parse(null, LIMITS);
    // 30 changes a second for 5 seconds: 150, over the cap of 100.
    for (let s = 0; s < 5; s += 1) for (let i = 0; i < 30; i += 1) c.take(change(s * 100 + i, s), T + 5_000);
    const { cursor, stored, warnings } = restart(c);
    const remembered = [...(stored['seen'] as string[]), ...Object.values(stored['window'] as object).flat()];
    expect(remembered).toHaveLength(90);
    expect(stored['floor']).toBe(new Date(T + 1_001).toISOString());
    expect(warnings).toEqual([
      {
        code: 'CL_SOURCE_CURSOR_FULL',
        detail: expect.stringContaining(`60 changes forgotten past the cap of 100`),
      },
    ]);
    expect(warnings[0]?.detail).toContain(maximoDate(T + 2_000));
    // A late change in a forgotten second is passed over (the old behaviour); one after them is read.
    expect(cursor.take(change(900, 1), T + 6_000)).toBe(false);
    expect(cursor.take(change(901, 2), T + 6_000)).toBe(true);
    // The warning lasts across a restart until the look-back has moved past the forgotten seconds.
    expect(restart(cursor).warnings.map((w) => w.code)).toEqual(['CL_SOURCE_CURSOR_FULL']);
    const moved = FeedCursor.parse(cursor.end().cursor, LIMITS);
    moved.take(change(902, 400), T + 400_000);
    expect(restart(moved).warnings).toEqual([]);
  });

  it('holds the cursor at the clock bound for a change dated far ahead, publishes it and warns', () => {
    const c = FeedCursor.parse(null, LIMITS);
    const ahead = change(1, 7_200, 'SR-AHEAD');
    expect(c.take(change(2, 0), T)).toBe(true);
    expect(c.take(ahead, T)).toBe(true);
    const { cursor, stored, warnings } = restart(c);
    expect(stored['changedate']).toBe(maximoDate(T + 300_000));
    expect(warnings).toEqual([
      {
        code: 'CL_SOURCE_CLOCK_AHEAD',
        detail: expect.stringContaining('work order DOT/1001 (ticket SR-AHEAD) changed at'),
      },
    ]);
    expect(warnings[0]?.detail).toContain('7200 s ahead');
    // Changes the other servers save meanwhile are read; the one ahead is not published again,
    // and the warning stays while it is still read ahead of the clock.
    expect(Date.parse(cursor.since(T + 10_000) ?? '')).toBeLessThanOrEqual(T + 10_000);
    expect(cursor.take(ahead, T + 10_000)).toBe(false);
    expect(cursor.take(change(3, 10), T + 10_000)).toBe(true);
    expect(restart(cursor).warnings.map((w) => w.code)).toEqual(['CL_SOURCE_CLOCK_AHEAD']);
  });

  it('brings a stored cursor that already jumped ahead of the clock back to the bound, and warns', () => {
    const jumped = JSON.stringify({ changedate: maximoDate(T + 7_200_000), seen: ['1:1'] });
    const c = FeedCursor.parse(jumped, LIMITS);
    expect(c.since(T)).toBe(maximoDate(T));
    expect(c.take(change(5, -10), T)).toBe(true);
    const { warnings } = restart(c);
    expect(warnings.map((w) => w.code)).toEqual(['CL_SOURCE_CLOCK_AHEAD']);
    expect(warnings[0]?.detail).toContain('the stored cursor stood at');
  });
});
