import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

// A POSSE whose feed reads `since` inclusively (the simulator's inclusiveSince) and answers its
// head as the watermark (pageEnd: "some POSSE setups"). Changes 96..104 came without a readable
// seq (a string); 105..110 are whole, committed 311 changes.
const change = (seq: number) => ({
  seq: seq <= 104 ? `s${seq}` : seq,
  at: '2024-05-01T10:00:00Z',
  jobId: `J-${seq}`,
  externalRef: `T-${seq}#1`,
  ticketId: `T-${seq}`,
  department: 'housing',
  outcome: 'INSPECTION_SCHEDULED',
  outcomeLabel: 'Inspection scheduled',
  jobStatus: 'Open',
});
const feed = Array.from({ length: 15 }, (_, i) => change(96 + i));

describe('posse feed, a full page of changes without a readable seq', () => {
  it('publishes every committed change after them', async () => {
    const server = createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const since = Number(q.get('since'));
      const limit = Number(q.get('limit'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          changes: feed.filter((c) => Number(String(c.seq).replace('s', '')) >= since).slice(0, limit),
          watermark: 110,
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const config = parseConnectorConfig('posse', posse.config, {
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      jurisdiction: 'testville',
      departments: ['housing'],
      pageSize: 5,
    });
    const source = posse.source?.(config, { logger: createLogger({ level: 'silent' }), env: {}, clock: Date.now });
    if (!source) throw new Error('no source');
    let cursor: string | null = '95';
    const published: (number | null)[] = [];
    for (let i = 0; i < 10; i++) {
      const b = await source.poll(cursor);
      published.push(...b.records.map((r) => r.value.envelope.sequence));
      if (b.cursor === cursor || !(source.cursorAdvances?.(cursor, b.cursor) ?? true)) break;
      cursor = b.cursor;
    }
    expect(published).toEqual([105, 106, 107, 108, 109, 110]);
  });
});
