import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { RecordReader, type ReadEvent } from '../../../src/import/records.ts';

/** A fixed pseudo-random sequence, so a failure is the same on every run. */
function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}

/** Reads text fed in pieces of 1 to 7 characters: records and faults straddle every boundary. */
function read(
  text: string,
  rnd: (n: number) => number,
  maxChars = 1_000_000,
  swallowed: (fields: readonly string[]) => number = () => -1,
) {
  const events: ReadEvent[] = [];
  const reader = new RecordReader({ delimiter: ',', maxChars, swallowed, emit: (e) => events.push(e) });
  for (let i = 0; i < text.length;) {
    const n = 1 + rnd(7);
    reader.push(text.slice(i, i + n), []);
    i += n;
  }
  reader.end();
  return events;
}

describe('the record reader', () => {
  it('reads well-formed CSV as csv-parse does, each record on the lines it spans', () => {
    const rnd = random(42);
    const alphabet = ['a', 'b', ' ', ',', '"', '\n', '\r', '\r\n', 'é', '😀'];
    for (let t = 0; t < 3000; t += 1) {
      const fields = 1 + rnd(4);
      const records = Array.from({ length: 1 + rnd(5) }, () =>
        Array.from({ length: fields }, () => Array.from({ length: rnd(5) }, () => alphabet[rnd(10)]).join('')),
      );
      const eol = ['\n', '\r\n', '\r'][rnd(3)] as string;
      const quote = (v: string) => (/[",\r\n]/.test(v) || rnd(3) === 0 ? `"${v.replace(/"/g, '""')}"` : v);
      const text = records.map((r) => r.map(quote).join(',')).join(eol) + (rnd(2) ? eol : '');
      const expected = parse(text, {
        relax_column_count: true,
        skip_empty_lines: true,
        record_delimiter: ['\r\n', '\n', '\r'],
      });
      const events = read(text, rnd);
      expect(
        events.map((e) => (e.ok ? e.fields : e.fault)),
        JSON.stringify(text),
      ).toEqual(expected);
      if ((expected as unknown[]).length !== records.length) continue;
      let line = 1;
      const placed = records.map((r) => {
        const breaks = r.join('').match(/\r\n|\r|\n/g)?.length ?? 0;
        const at = [line, line + breaks];
        line += breaks + 1;
        return at;
      });
      expect(
        events.map((e) => [e.first, e.last]),
        JSON.stringify(text),
      ).toEqual(placed);
    }
  });

  it('reads or rejects every line of any text once, in order, whatever its quotes and the record limit', () => {
    const rnd = random(7);
    const alphabet = ['a', ',', '"', '"', '\n', '\r', '\r\n', 'é', '\n\n'];
    for (let t = 0; t < 5000; t += 1) {
      const text = Array.from({ length: rnd(40) }, () => alphabet[rnd(alphabet.length)]).join('');
      // A stray quote's field is told by its lines reading as rows: here, at random.
      const swallowed = (fields: readonly string[]) => (rnd(2) ? fields.findIndex((f) => /[\r\n]/.test(f)) : -1);
      const events = read(text, rnd, 3 + rnd(30), swallowed);
      const lines = text.split(/\r\n|\r|\n/);
      if (/[\r\n]$/.test(text)) lines.pop();
      const covered = lines.map(() => 0);
      let previous = 0;
      for (const e of events) {
        expect(e.first, JSON.stringify(text)).toBeGreaterThan(previous);
        for (let l = e.first; l <= e.last; l += 1) covered[l - 1] = (covered[l - 1] ?? 0) + 1;
        previous = e.last;
      }
      expect(previous, JSON.stringify(text)).toBeLessThanOrEqual(lines.length);
      // Blank lines are passed over; every other line is in exactly one record or rejection.
      expect(
        covered.map((n, i) => (lines[i] === '' ? Math.min(n, 1) : n)),
        JSON.stringify(text),
      ).toEqual(lines.map((l, i) => (l === '' ? Math.min(covered[i] ?? 0, 1) : 1)));
    }
  });
});
