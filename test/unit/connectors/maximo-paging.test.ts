import { afterEach, describe, expect, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { FeedPaging } from '../../../connectors/maximo/paging.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type WorkOrderEvent } from '../../../src/sdk/index.ts';

// A Maximo that does not keep a query's result set (stablepaging ignored: a fix pack without it,
// or a cluster whose next-page request lands on another JVM): every page runs the query again at
// its offset. A work order that changes while the bridge reads moves to the end of the changedate
// order and every later row moves up one place. Offset paging skipped the row that moved onto the
// page already read, and for good once the poll spanned more than lookBackSeconds.

const sims: MaximoSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.stop();
});

const SECOND = 1_796_000_000_000;

async function unstable(clock: () => number) {
  const sim = new MaximoSimulator({ apiKey: 'key', clock, stablePaging: false });
  sims.push(sim);
  const url = await sim.start();
  const add = (n: number) =>
    sim.addWorkOrder({ siteid: 'DOT', origrecordid: `T-${n}`, origrecordclass: 'SR', externalrefid: `T-${n}#1` }, []);
  // While the first page is read, a crew approves T-1.
  const approveDuringRead = () => {
    sim.onQuery = (answered) => {
      if (answered === 1) sim.changeStatus('T-1#1', 'APPR');
    };
  };
  const source = maximo.source?.(
    parseConnectorConfig('maximo', maximo.config, {
      baseUrl: url,
      jurisdiction: 'testville',
      departments: { transportation: 'DOT' },
      pageSize: 2,
    }),
    { logger: createLogger({ level: 'silent' }), env: { MAXIMO_API_KEY: 'key' }, clock },
  );
  if (!source) throw new Error('maximo has no source');
  const polls = async (n: number) => {
    const batches: string[][] = [];
    let cursor: string | null = null;
    const events: WorkOrderEvent[] = [];
    for (let i = 0; i < n; i += 1) {
      const batch = await source.poll(cursor);
      expect(batch.rejected ?? []).toEqual([]);
      expect(batch.warnings ?? []).toEqual([]);
      events.push(...batch.records.map((r) => r.value));
      batches.push(batch.records.map((r) => `${r.value.ticketId}:${r.value.rawStatus}`));
      cursor = batch.cursor;
    }
    expect(new Set(events.map((e) => e.envelope.eventId)).size).toBe(events.length);
    return batches;
  };
  return { sim, add, approveDuringRead, polls };
}

describe('maximo source against a Maximo that does not keep the result set', () => {
  it('reads a backlog whose rows shift while it pages, skipping none, though it spans more than the look-back', async () => {
    let now = SECOND;
    const { sim, add, approveDuringRead, polls } = await unstable(() => now);
    // A backlog after an outage: six work orders ten minutes apart; T-3's crew completes it.
    for (let n = 1; n <= 6; n += 1) {
      add(n);
      if (n === 3) {
        now += 1_000;
        sim.changeStatus('T-3#1', 'COMP', 'pothole filled');
      }
      now += 10 * 60_000;
    }
    approveDuringRead();
    const batches = await polls(4);
    expect(batches[0]).toEqual([
      'T-1:WAPPR',
      'T-2:WAPPR',
      'T-3:COMP',
      'T-4:WAPPR',
      'T-5:WAPPR',
      'T-6:WAPPR',
      'T-1:APPR',
    ]);
    expect(batches.slice(1)).toEqual([[], [], []]);
  });

  it('reads a second with more changes than a page by workorderid, skipping none, and goes on past it', async () => {
    let now = SECOND;
    const { add, approveDuringRead, polls } = await unstable(() => now);
    // A bulk status change: seven work orders saved in one second; T-1 changes a second later.
    for (let n = 1; n <= 7; n += 1) add(n);
    now += 1_000;
    approveDuringRead();
    const batches = await polls(3);
    expect(batches[0]).toEqual([
      'T-1:WAPPR',
      'T-2:WAPPR',
      'T-3:WAPPR',
      'T-4:WAPPR',
      'T-5:WAPPR',
      'T-6:WAPPR',
      'T-7:WAPPR',
      'T-1:APPR',
    ]);
    expect(batches.slice(1)).toEqual([[], []]);
  });
});

describe('maximo feed paging', () => {
  const at = Date.parse('2026-01-01T10:00:00Z');
  const row = (id: number) => ({ workorderid: id, _rowstamp: String(100 + id) });
  const feed = 'siteid in ["DOT"] and origrecordclass="SR"';
  const second = 'changedate>="2026-01-01T10:00:00+00:00" and changedate<"2026-01-01T10:00:01+00:00"';

  it('reads on from the last second read, and a full second whole by workorderid from its start', () => {
    const paging = new FeedPaging(feed, 4);
    expect(paging.first(null)).toEqual({ kind: 'query', where: feed, orderBy: '+changedate,+workorderid' });
    paging.saw(row(7), at - 1_000);
    paging.saw(row(3), at);
    paging.saw(row(5), at);
    paging.saw(row(9), at + 400);
    // Three rows read at 10:00:00 would fill most of the next query's page: Maximo's next page is tried.
    expect(paging.next(4, '/maximo/api/os/mxwo?pageno=2')).toEqual({
      kind: 'page',
      href: '/maximo/api/os/mxwo?pageno=2',
    });
    // It starts past the rows read, so it is set aside: the second is read whole, by workorderid,
    // from its start, since Maximo may order by fractions of a second its API does not show.
    expect(paging.continues(row(11))).toBe(false);
    expect(paging.next(4, '/maximo/api/os/mxwo?pageno=3')).toEqual({
      kind: 'query',
      where: `${feed} and ${second}`,
      orderBy: '+workorderid',
    });
    for (const id of [3, 5, 9, 11]) paging.saw(row(id), at);
    expect(paging.next(4, 'more')).toMatchObject({ where: `${feed} and ${second} and workorderid>11` });
    paging.saw(row(12), at);
    expect(paging.next(1, undefined)).toMatchObject({
      where: `${feed} and changedate>="2026-01-01T10:00:01+00:00"`,
      orderBy: '+changedate,+workorderid',
    });
    // From here on the poll reads by key alone; a page that ends early ends the feed.
    paging.saw(row(2), at + 1_000);
    expect(paging.next(4, 'more')).toMatchObject({ where: `${feed} and changedate>="2026-01-01T10:00:01+00:00"` });
    expect(paging.next(0, undefined)).toBeNull();
    // Read again by design, for the bound on pages read: the rows of the seconds the queries
    // started at (3, then 1), and a page set aside (4).
    expect(paging.reread).toBe(3 + 1 + 4);
  });
});
