import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type Source, type WorkOrderEvent } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

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
 * last seq (as the simulator does) or the feed's head (as some setups do).
 */
async function feed(options: { watermark: 'page' | 'head'; pageSize: number; clock?: () => number }) {
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
    const rows = state.visible.filter((s) => s > since).slice(0, limit);
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
  const ctx = { logger: createLogger({ level: 'silent' }), env: {}, clock: options.clock ?? Date.now };
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

  it('holds a page that is not full at its last change, and an empty page moves to its watermark', async () => {
    const { state, source } = await feed({ watermark: 'head', pageSize: 5 });
    // 5 is handed out and counted in the head, but its change is not in the feed yet.
    state.visible = [1, 2, 4];
    state.handedOut = 5;
    const first = await source.poll(null);
    expect(first.records.map((r) => r.value.envelope.sequence)).toEqual([1, 2, 4]);
    expect(first.cursor).toBe('4');
    state.visible = [1, 2, 4, 5];
    expect((await source.poll(first.cursor)).records.map((r) => r.value.envelope.sequence)).toEqual([5]);
    // Nothing after 5, and the feed says it ends there: the empty page keeps the watermark, and
    // one below the stored cursor still tells the runner the feed went back.
    expect((await source.poll('5')).cursor).toBe('5');
    state.visible = [1, 2];
    state.handedOut = 0;
    const behind = await source.poll('5');
    expect(behind.cursor).toBe('2');
    expect(source.cursorAdvances?.('5', behind.cursor)).toBe(false);
  });

  it('places a change whose seq cannot be read by the changes after it', async () => {
    const { state, source } = await feed({ watermark: 'head', pageSize: 3 });
    state.visible = [1, 2, 3, 4, 5, 6];
    state.changes = (seq) => (seq === 2 ? { ...change(seq), seq: 'two' } : change(seq));
    const batch = await source.poll(null);
    expect(batch.rejected?.map((r) => r.position)).toEqual(['seq two']);
    expect(batch.cursor).toBe('3');
    // Last on a full page, it is read again rather than passed unseen.
    state.changes = (seq) => (seq === 3 ? { ...change(seq), seq: null } : change(seq));
    expect((await source.poll(null)).cursor).toBe('2');
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
