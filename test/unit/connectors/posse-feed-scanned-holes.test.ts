import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');
const T0 = 1_730_000_000_000;

const change = (seq: number) => ({
  seq,
  at: T0 + seq,
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
 * A POSSE whose feed query scans `limit` committed rows of its process table after `since`,
 * permits' and 311 jobs' alike, and answers the 311 jobs' among them with the last row scanned as
 * its watermark. Rows are saved uncommitted and commit when the test says.
 */
async function scanningPosse(pageSize: number) {
  const rows = new Map<number, { is311: boolean; committed: boolean }>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://posse');
    const since = Number(url.searchParams.get('since'));
    const limit = Number(url.searchParams.get('limit'));
    const scanned = [...rows]
      .filter(([seq, r]) => seq > since && r.committed)
      .sort(([a], [b]) => a - b)
      .slice(0, limit);
    const changes = scanned.filter(([, r]) => r.is311).map(([seq]) => change(seq));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ changes, watermark: scanned.at(-1)?.[0] ?? since }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const clock = { now: T0 };
  const config = parseConnectorConfig('posse', posse.config, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    jurisdiction: 'testville',
    departments: ['housing'],
    pageSize,
    holeWaitSeconds: 120,
  });
  const source = posse.source?.(config, { logger: createLogger({ level: 'silent' }), env: {}, clock: () => clock.now });
  if (!source) throw new Error('posse has no source');
  const state = { cursor: '4' as string | null, published: [] as (number | null)[] };
  const poll = async () => {
    const batch = await source.poll(state.cursor);
    state.published.push(...batch.records.map((r) => r.value.envelope.sequence));
    state.cursor = batch.cursor;
  };
  const save = (seq: number, is311: boolean, committed = true) => rows.set(seq, { is311, committed });
  const commit = (...seqs: number[]) =>
    seqs.forEach((seq) => rows.set(seq, { is311: rows.get(seq)?.is311 ?? false, committed: true }));
  return { clock, state, poll, save, commit };
}

describe('posse feed that scans rows, holes below the head', () => {
  // Permits committed late into the hole push a 311 change committed late among them past what
  // one page from the hole scans: that page answers empty, and its holes counted as looked over.
  it('reads a change committed late in a hole beyond what one page from the hole scans', async () => {
    const { clock, state, poll, save, commit } = await scanningPosse(3);
    save(5, false);
    for (const seq of [6, 7, 8]) save(seq, false, false);
    save(9, true, false);
    save(10, true);
    save(11, false);
    await poll();
    expect(state.published).toEqual([10]);
    clock.now += 10_000;
    commit(6, 7, 8, 9);
    for (let i = 0; i < 4; i += 1) {
      await poll();
      clock.now += 60_000;
    }
    expect(state.published).toEqual([10, 9]);
    expect(state.cursor).toBe('11');
  });
});
