import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FeedPosition, positionProblem } from '../../../connectors/posse/feed-position.ts';
import { MAX_REMEMBERED } from '../../../connectors/posse/feed.ts';
import { posse } from '../../../connectors/posse/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type Source, type WorkOrderEvent } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

/** The bridge's clock where a test steers it. */
const T0 = 1_730_000_000_000;

const change = (seq: number) => ({
  seq,
  at: 1_730_619_000_000 + seq,
  jobId: `J-${seq}`,
  externalRef: `T-${seq}#1`,
  ticketId: `T-${seq}`,
  department: 'housing',
  outcome: 'COMPLIED',
  outcomeLabel: 'Complied',
  jobStatus: 'Closed',
  note: null,
  expectedAt: null,
});

/**
 * A POSSE feed the test steers: the seqs it shows now, and the watermark it answers, the page's
 * last seq (as the simulator does) or the feed's head (as some setups do); `cap` caps its pages
 * whatever the limit asks.
 */
async function feed(options: {
  watermark: 'page' | 'head';
  pageSize: number;
  clock?: () => number;
  cap?: number;
  logged?: string[];
}) {
  const state = {
    visible: [] as number[],
    // A seq POSSE has handed out whose change is not in the feed yet, counted in its head.
    handedOut: 0,
    changes: (seq: number): object => change(seq),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://posse');
    const since = Number(url.searchParams.get('since'));
    const limit = Number(url.searchParams.get('limit'));
    const rows = state.visible.filter((s) => s > since).slice(0, Math.min(limit, options.cap ?? limit));
    const head = Math.max(state.handedOut, ...state.visible);
    const watermark = options.watermark === 'head' ? head : (rows.at(-1) ?? Math.min(since, head));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ changes: rows.map(state.changes), watermark }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  const config = parseConnectorConfig('posse', posse.config, {
    baseUrl: `http://127.0.0.1:${port}`,
    jurisdiction: 'testville',
    departments: ['housing'],
    pageSize: options.pageSize,
    timeZone: 'America/Edmonton',
  });
  const logged = options.logged;
  const logger = logged
    ? createLogger({ level: 'debug', destination: { write: (l: string) => void logged.push(l) } })
    : createLogger({ level: 'silent' });
  const ctx = { logger, env: {}, clock: options.clock ?? Date.now };
  const source = posse.source?.(config, ctx);
  if (!source) throw new Error('posse has no source');
  return { state, source };
}

/** Polls as the runner does, storing each cursor, until a page says there is no more. */
async function drain(source: Source<WorkOrderEvent>, from: string | null) {
  let cursor = from;
  const seqs: (number | null)[] = [];
  for (let polls = 0; polls < 20; polls += 1) {
    const batch = await source.poll(cursor);
    seqs.push(...batch.records.map((r) => r.value.envelope.sequence));
    if (batch.records.length + (batch.rejected?.length ?? 0) > 0 || source.cursorAdvances?.(cursor, batch.cursor))
      cursor = batch.cursor;
    if (batch.more !== true) return { seqs, cursor };
  }
  throw new Error('the feed never ran dry');
}

describe('posse feed cursor', () => {
  // A POSSE that answers its head as the watermark moved the cursor from 3 to 9 after a full
  // page of 1, 2, 3: changes 4 to 8 were never read.
  it('ends a full page at its last change, not at a watermark that names the feed head', async () => {
    const { state, source } = await feed({ watermark: 'head', pageSize: 3 });
    state.visible = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const first = await source.poll(null);
    expect(first.records.map((r) => r.value.envelope.sequence)).toEqual([1, 2, 3]);
    expect([first.cursor, first.more]).toEqual(['3', true]);
    const rest = await drain(source, first.cursor);
    expect(rest.seqs).toEqual([4, 5, 6, 7, 8, 9]);
    expect(rest.cursor).toBe('9');
  });

  // A page POSSE cut below pageSize was taken for the feed's end: the runner waited its interval
  // before every page of a backlog.
  it('reads on at once after a page cut short whose watermark lies past its last change', async () => {
    const { state, source } = await feed({ watermark: 'head', pageSize: 10, cap: 3 });
    state.visible = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const first = await source.poll(null);
    expect([first.records.map((r) => r.value.envelope.sequence), first.cursor, first.more]).toEqual([
      [1, 2, 3],
      '3',
      true,
    ]);
    const rest = await drain(source, first.cursor);
    expect([rest.seqs, rest.cursor]).toEqual([[4, 5, 6, 7, 8, 9], '9']);
  });

  it('holds a page that is not full at its last change, and an empty page below the cursor says the feed went back', async () => {
    const { state, source } = await feed({ watermark: 'head', pageSize: 5 });
    // 4 is handed out and counted in the head, but its change is not in the feed yet.
    state.visible = [1, 2, 3];
    state.handedOut = 4;
    const first = await source.poll(null);
    expect(first.records.map((r) => r.value.envelope.sequence)).toEqual([1, 2, 3]);
    expect(first.cursor).toBe('3');
    state.visible = [1, 2, 3, 4];
    expect((await source.poll(first.cursor)).records.map((r) => r.value.envelope.sequence)).toEqual([4]);
    // Nothing after 4, and the feed says it ends there: the empty page keeps the cursor, and
    // one below the stored cursor still tells the runner the feed went back.
    expect((await source.poll('4')).cursor).toBe('4');
    state.visible = [1, 2];
    state.handedOut = 0;
    const behind = await source.poll('4');
    expect(behind.cursor).toBe('2');
    expect(source.cursorAdvances?.('4', behind.cursor)).toBe(false);
    expect(source.cursorAdvances?.(behind.cursor, '4')).toBe(true);
  });

  it('dead-letters a change whose seq cannot be read once, and holds its place as a hole', async () => {
    let now = T0;
    const { state, source } = await feed({ watermark: 'head', pageSize: 3, clock: () => now });
    state.visible = [1, 2, 3, 4, 5, 6];
    state.changes = (seq) => (seq === 2 ? { ...change(seq), seq: 'two' } : change(seq));
    const batch = await source.poll(null);
    expect(batch.rejected?.map((r) => r.position)).toEqual(['seq two']);
    expect(batch.cursor).toBe(JSON.stringify({ seq: 1, seen: { [T0]: [3] } }));
    const next = await source.poll(batch.cursor);
    expect(next.rejected).toEqual([]);
    expect(next.records.map((r) => r.value.envelope.sequence)).toEqual([4, 5, 6]);
    now += 120_000;
    expect((await source.poll(next.cursor)).cursor).toBe('6');
    // Last on a full page, it is read again rather than passed unseen.
    state.changes = (seq) => (seq === 3 ? { ...change(seq), seq: null } : change(seq));
    expect((await source.poll(null)).cursor).toBe('2');
  });

  // Ended at the highest seq it could read, the page asked for that change again on every poll,
  // dead-lettered it each time, and the runner paused the feed as CL_SOURCE_CURSOR_STUCK for good.
  it('passes a change whose seq cannot be read last on a page that is not full, once', async () => {
    const { state, source } = await feed({ watermark: 'page', pageSize: 3 });
    state.visible = [6, 7];
    state.changes = (seq) => (seq === 7 ? { ...change(seq), seq: null } : change(seq));
    const batch = await source.poll('5');
    expect(batch.records.map((r) => r.value.envelope.sequence)).toEqual([6]);
    expect(batch.rejected).toHaveLength(1);
    expect(batch.cursor).toBe('7');
    expect(source.cursorAdvances?.('5', batch.cursor)).toBe(true);
    const again = await source.poll(batch.cursor);
    expect([again.records, again.rejected ?? []]).toEqual([[], []]);
    // A page of such changes alone ends at its watermark too, and the next change is read.
    state.visible = [6, 7, 8];
    state.changes = (seq) => (seq === 8 ? { ...change(seq), seq: null } : change(seq));
    const alone = await source.poll('7');
    expect([alone.records, alone.rejected?.length, alone.cursor]).toEqual([[], 1, '8']);
    state.visible = [6, 7, 8, 9];
    const after = await source.poll(alone.cursor);
    expect([after.records.map((r) => r.value.envelope.sequence), after.rejected, after.cursor]).toEqual([[9], [], '9']);
  });

  // A feed that answers its head, counting a seq handed out but not committed, must not have the
  // unreadable change take that seq: the change committed there later would never be read.
  it('does not pass a seq still to come for a change whose seq cannot be read', async () => {
    let now = T0;
    const { state, source } = await feed({ watermark: 'head', pageSize: 3, clock: () => now });
    state.visible = [6, 7];
    state.handedOut = 8;
    state.changes = (seq) => (seq === 7 ? { ...change(seq), seq: null } : change(seq));
    const first = await source.poll('5');
    expect([first.records.map((r) => r.value.envelope.sequence), first.cursor]).toEqual([[6], '6']);
    // 7's seq could be 7 or 8: the page holds at 6, and the runner sees a cursor that does not move.
    const held = await source.poll(first.cursor);
    expect([held.records, held.rejected?.length, held.cursor]).toEqual([[], 1, '6']);
    expect(source.cursorAdvances?.(first.cursor, held.cursor)).toBe(false);
    // 8 commits: it is read, and 7's place is a hole passed after the wait.
    state.visible = [6, 7, 8];
    const next = await source.poll(held.cursor);
    expect(next.records.map((r) => r.value.envelope.sequence)).toEqual([8]);
    now += 120_000;
    expect((await source.poll(next.cursor)).cursor).toBe('8');
  });
});

describe('posse expected dates', () => {
  // Any expected date instantSchema could not read became null, and the loss was silent.
  it('reads the forms a system writes, and warns of one it cannot read, naming the change and the value', async () => {
    let now = 1_730_000_000_000;
    const { state, source } = await feed({ watermark: 'page', pageSize: 10, clock: () => now });
    const written: Record<number, unknown> = {
      1: '2024-11-05 09:00:00',
      2: '2024-11-05T09:00:00.000-0700',
      3: '2024-11-05T09:00:00-07',
      4: 1_730_822_400,
      5: '11/05/2024',
    };
    state.visible = [1, 2, 3, 4, 5];
    state.changes = (seq) => ({ ...change(seq), jobStatus: 'Open', expectedAt: written[seq] });
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    const nine = Date.parse('2024-11-05T16:00:00Z');
    expect(batch.records.map((r) => r.value.expectedAt)).toEqual([nine, nine, nine, nine, null]);
    expect(batch.warnings).toEqual([
      {
        code: 'CL_SOURCE_DATE_UNREAD',
        detail: expect.stringMatching(/^POSSE change seq 5 \(job J-5, work order T-5#1\) .*"11\/05\/2024"/),
      },
    ]);
    // Said again by the polls after it, for an hour, then no more.
    now += 3_599_000;
    expect((await source.poll('5')).warnings?.map((w) => w.code)).toEqual(['CL_SOURCE_DATE_UNREAD']);
    now += 1_000;
    expect((await source.poll('5')).warnings).toEqual([]);
  });
});

describe('posse expected dates typed as free text', () => {
  it('quotes no phone or e-mail someone typed there, in the warning or the log line', async () => {
    const logged: string[] = [];
    const { state, source } = await feed({ watermark: 'page', pageSize: 10, logged });
    state.visible = [1];
    const typed = 'after owner calls back 410-555-0199 or mails jane.roe@example.org';
    state.changes = (seq) => ({ ...change(seq), jobStatus: 'Open', expectedAt: typed });
    const batch = await source.poll(null);
    expect(batch.records.map((r) => r.value.expectedAt)).toEqual([null]);
    const detail = batch.warnings?.[0]?.detail ?? '';
    expect(detail).toContain('has an expected date that names no instant, "after owner calls back [redacted]');
    const line = logged.find((l) => l.includes('410') || l.includes('[redacted]')) ?? '';
    expect(line).toContain('[redacted]');
    expect([...logged, detail].filter((l) => /555-0199|jane\.roe/.test(l))).toEqual([]);
  });
});

describe('posse feed holes', () => {
  const published = (batch: { records: readonly { value: WorkOrderEvent }[] }) =>
    batch.records.map((r) => r.value.envelope.sequence);

  // POSSE numbers a change when it is saved and shows it when it commits: 8 was read, the cursor
  // went to 8, and 7, committed a moment later, was never read.
  it('reads a change that commits after a later one, and publishes each change once', async () => {
    let now = T0;
    const { state, source } = await feed({ watermark: 'page', pageSize: 4, clock: () => now });
    state.visible = [1, 2, 3, 4, 5, 6, 8];
    const seen = await drain(source, null);
    expect(seen.seqs).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(seen.cursor).toBe(JSON.stringify({ seq: 6, seen: { [T0]: [8] } }));
    now += 5_000;
    state.visible = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const late = await source.poll(seen.cursor);
    expect(published(late)).toEqual([7, 9]);
    expect(late.cursor).toBe('9');
    expect(source.cursorAdvances?.(seen.cursor, late.cursor)).toBe(true);
    expect(published(await source.poll(late.cursor))).toEqual([]);
  });

  it('reads on past a hole that outlives holeWaitSeconds, and not before', async () => {
    let now = T0;
    const { state, source } = await feed({ watermark: 'page', pageSize: 4, clock: () => now });
    state.visible = [1, 2, 4];
    const first = await source.poll(null);
    expect(published(first)).toEqual([1, 2, 4]);
    const held = JSON.stringify({ seq: 2, seen: { [T0]: [4] } });
    expect(first.cursor).toBe(held);
    // A later change is read meanwhile, and the hole still holds the cursor.
    now += 60_000;
    state.visible = [1, 2, 4, 5];
    const meanwhile = await source.poll(held);
    expect(published(meanwhile)).toEqual([5]);
    const both = JSON.stringify({ seq: 2, seen: { [T0]: [4], [T0 + 60_000]: [5] } });
    expect(meanwhile.cursor).toBe(both);
    // Ordered by the highest seq read: an empty page's plain watermark below it is a feed gone back.
    expect([source.cursorAdvances?.('3', both), source.cursorAdvances?.(both, '3')]).toEqual([true, false]);
    now = T0 + 119_999;
    expect((await source.poll(both)).cursor).toBe(both);
    now = T0 + 120_000;
    const passed = await source.poll(both);
    expect([published(passed), passed.cursor]).toEqual([[], '5']);
    expect(source.cursorAdvances?.(both, passed.cursor)).toBe(true);
  });

  // An empty page whose watermark lay ahead of the cursor kept the cursor where it was, for good.
  it("passes the seqs an empty page's watermark stands ahead of after the wait, warning while a hole below holds them", async () => {
    let now = T0;
    const { state, source } = await feed({ watermark: 'head', pageSize: 2, clock: () => now });
    // 1, 3 and 26 are holes below seqs read; 28 and 29 were handed out and never committed.
    const read = [2, ...Array.from({ length: 22 }, (_, i) => i + 4), 27];
    state.visible = read;
    state.handedOut = 29;
    const held = JSON.stringify({ seq: 0, seen: { [T0]: read } });
    const first = await source.poll(held);
    expect([first.cursor, first.warnings]).toEqual([held, []]);
    now = T0 + 120_000;
    // The poll's ten pages of two from the first hole read over 1 and 3, not 26: the run to 29
    // waits on 26, and says so.
    const waiting = await source.poll(held);
    expect(waiting.cursor).toBe(JSON.stringify({ seq: 25, seen: { [T0]: [27] } }));
    expect(waiting.warnings).toEqual([
      { code: 'CL_SOURCE_CURSOR_HELD', detail: expect.stringMatching(/watermark 29 past seq 27 for 120 s/) },
    ]);
    const passed = await source.poll(waiting.cursor);
    expect([passed.records, passed.cursor, passed.warnings]).toEqual([[], '29', []]);
    expect(source.cursorAdvances?.(waiting.cursor, passed.cursor)).toBe(true);
    // 30 commits: read from there.
    state.visible = [...read, 30];
    expect(published(await source.poll(passed.cursor))).toEqual([30]);
  });

  it('warns when it remembers too many seqs above a hole and passes the hole early', async () => {
    const { state, source } = await feed({ watermark: 'page', pageSize: 4, clock: () => T0 });
    const above = Array.from({ length: MAX_REMEMBERED }, (_, i) => i + 3);
    state.visible = [1, ...above, MAX_REMEMBERED + 3];
    const batch = await source.poll(JSON.stringify({ seq: 1, seen: { [T0]: above } }));
    expect([published(batch), batch.cursor]).toEqual([[MAX_REMEMBERED + 3], String(MAX_REMEMBERED + 3)]);
    expect(batch.warnings).toEqual([
      { code: 'CL_SOURCE_CURSOR_FULL', detail: expect.stringMatching(/: 1 seq was read past before the wait/) },
    ]);
  });
});

describe('posse feed position', () => {
  const limits = { waitMs: 1_000, maxRemembered: 3 };

  it('gives up on a hole only where a page of the poll looked', () => {
    const at = FeedPosition.parse('2', limits);
    at.read(5, T0);
    expect(at.settle(T0 + 5_000, () => false)).toEqual({ passed: [], forced: 0 });
    expect(at.settle(T0 + 5_000, (from, to) => from === 3 && to === 4)).toEqual({ passed: [[3, 4]], forced: 0 });
    expect(at.toString()).toBe('5');
  });

  it('remembers a bounded number of seqs, giving up on the lowest holes at once past it', () => {
    const at = FeedPosition.parse(JSON.stringify({ seq: 1, seen: { [T0]: [3, 5, 7] } }), limits);
    at.read(9, T0);
    expect(at.settle(T0, () => true)).toEqual({ passed: [[2, 2]], forced: 1 });
    expect(at.toString()).toBe(JSON.stringify({ seq: 3, seen: { [T0]: [5, 7, 9] } }));
  });

  it('times each run of holes from the earliest read above it, and passes a hole between every pair', () => {
    // 3 was read late, 5 early: the hole at 1-2 opened when 5 was read, as did the one at 4.
    const at = FeedPosition.parse(JSON.stringify({ seq: 0, seen: { [T0]: [5], [T0 + 900]: [3] } }), limits);
    expect(at.settle(T0 + 1_000, () => true)).toEqual({
      passed: [
        [1, 2],
        [4, 4],
      ],
      forced: 0,
    });
    expect(at.toString()).toBe('5');
    const late = FeedPosition.parse(JSON.stringify({ seq: 0, seen: { [T0]: [5], [T0 + 900]: [3] } }), limits);
    expect(late.settle(T0 + 999, () => true)).toEqual({ passed: [], forced: 0 });
    // A sequence stepping by 2 leaves a hole before every seq; all pass at once past their wait.
    const even = Array.from({ length: 10_000 }, (_, i) => 2 * (i + 1));
    const wide = FeedPosition.parse(JSON.stringify({ seq: 0, seen: { [T0]: even } }), {
      waitMs: 1_000,
      maxRemembered: 10_000,
    });
    const { passed } = wide.settle(T0 + 1_000, () => true);
    expect([passed.length, passed[0], passed.at(-1), wide.toString()]).toEqual([
      10_000,
      [1, 1],
      [19_999, 19_999],
      '20000',
    ]);
  });

  it('reads a plain seq as an older bridge stored it, and refuses a cursor of neither form', () => {
    expect(FeedPosition.parse('42', limits).toString()).toBe('42');
    expect(positionProblem('42')).toBeNull();
    expect(positionProblem(JSON.stringify({ seq: 6, seen: { [T0]: [8] } }))).toBeNull();
    expect(positionProblem(JSON.stringify({ seq: 6, seen: { [T0]: [5] } }))).toMatch(/seen maps/);
    expect(positionProblem('abc')).toBe('a sequence number, digits only (e.g. 1042)');
  });
});
