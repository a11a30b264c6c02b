import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { seqFeedPoll } from '../../../src/sdk/index.ts';

// A feed that reads `after` inclusively (it answers the change at the seq asked after again) and
// answers its head as the watermark. Seqs 96..104: changes whose seq cannot be read; 105..110
// readable, all committed. A full page of the first placed them one seq too high, passing 105.
interface Row {
  readonly seq: number | string;
  readonly real: number;
}
const rows: Row[] = Array.from({ length: 15 }, (_, i) => 96 + i).map((s) => ({ seq: s <= 104 ? `#${s}` : s, real: s }));
const readable = (r: unknown): r is Row & { seq: number } => typeof (r as Row).seq === 'number';

describe('a seq feed with a full page of changes whose seq cannot be read', () => {
  it('never passes a committed change, on a feed that answers the seq asked after again', async () => {
    const poll = seqFeedPoll<number>(
      {
        system: 'T',
        cursorName: 'watermark',
        holes: 'h',
        pageSize: 5,
        holeWaitSeconds: 0,
        page: async (after, limit) => ({
          changes: rows.filter((r) => r.real >= after).slice(0, limit),
          watermark: 110,
        }),
        read: (raws) => ({
          records: raws.filter(readable).map((r) => ({ key: 'k', value: r.real })),
          rejected: raws
            .filter((r) => !readable(r))
            .map((raw) => ({
              raw,
              error: new CloseloopError('CL_CONNECTOR_MALFORMED', 'seq'),
              position: '?',
              key: null,
            })),
        }),
      },
      { clock: () => 1_790_000_000_000, logger: createLogger({ level: 'silent' }) },
    );
    const published: number[] = [];
    let cursor: string | null = '95';
    for (let i = 0; i < 10; i++) {
      const b = await poll(cursor);
      published.push(...b.records.map((r) => r.value));
      if (b.cursor === cursor) break;
      cursor = b.cursor;
    }
    expect(published).toEqual([105, 106, 107, 108, 109, 110]);
  });
});
