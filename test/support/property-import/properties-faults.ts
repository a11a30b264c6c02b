/**
 * Properties of exports gone wrong (README "Import and go-live"): a faulty row is rejected on its
 * line, naming its column, and the others imported; quoting gone wrong drops no row unseen; a
 * header that does not match is refused; and any bytes give rows or a typed error.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { check } from '../property/check.ts';
import { encode, layoutArb, mappingOf } from './layout.ts';
import { FAULTS, QUOTE_FAULTS, faultyLine, quoteFaultLine, soupArb } from './mutations.ts';
import { checkOutcome, importBytes, span } from './run.ts';
import { byTicket, exportArb, imported } from './shared.ts';
import {
  breaks,
  expectedEvents,
  field,
  header,
  joinLines,
  line,
  sameShapeIdArb,
  ticketsArb,
  withoutDigest,
} from './tickets.ts';

/** A property: rejects each faulty row on its own line, naming a column, and imports every other one. */
export function rowFaults() {
  const arb = layoutArb.chain((l) =>
    ticketsArb(l, 1, 10).chain((tickets) =>
      fc
        .record({
          x: exportArb(l, tickets),
          faults: fc.array(fc.option(fc.constantFrom(...FAULTS), { freq: 2 }), {
            minLength: tickets.length,
            maxLength: tickets.length,
          }),
          // A row that lists an earlier row's ticket id again (rejected if that one was imported).
          repeats: fc.array(fc.option(fc.nat()), { minLength: tickets.length, maxLength: tickets.length }),
        })
        .map((g) => ({ l, tickets, ...g })),
    ),
  );
  return fc.asyncProperty(arb, async ({ l, tickets, x, faults, repeats }) => {
    const rows = tickets.map((t, i) => {
      const r = repeats[i];
      const id = r === null || r === undefined || i === 0 ? t.row.id : (tickets[r % i]?.row.id ?? t.row.id);
      return { ...t, row: { ...t.row, id } };
    });
    const lines = rows.map((t, i) => {
      const f = faults[i];
      return f ? faultyLine(t, f, l, x.quotes[i] ?? false) : line(t.row, l, x.quotes[i] ?? false);
    });
    const { text, rows: at } = joinLines(header(l), lines, x.ends);
    const o = imported(await importBytes(encode(text + x.trailing, l.encoding), mappingOf(l)));
    checkOutcome(o, breaks(text + x.trailing) + 1);
    if (!o.ok) return;
    const seen = new Set<string>();
    const wantRejected: number[] = [];
    const want: unknown[] = [];
    for (const [i, t] of rows.entries()) {
      if (faults[i] || seen.has(t.row.id)) wantRejected.push(at[i] as number);
      else {
        seen.add(t.row.id);
        want.push(...expectedEvents(t, l));
      }
    }
    const got = o.rejections.map((r) => r.row);
    check(isDeepStrictEqual(got, wantRejected), 'the faulty rows, and only they, are rejected', {
      got,
      wantRejected,
      rejections: o.rejections,
      faults,
    });
    check(o.result.read === rows.length, 'every row read', o.result);
    check(isDeepStrictEqual(o.events.map(withoutDigest), want), 'every other row imported as it is');
  });
}

/** A property: drops no line unseen when quoting goes wrong: each row is imported as written or its lines rejected. */
/** Rejections by the reader, which name every line of their record (quotes.ts, csv.ts). */
const TOLD_WHOLE = /^(?:a quote (?:in the middle|inside|opens|opened)|the row is longer than|row \d+ has \d+ fields)/;

export function quoteFaults() {
  const arb = layoutArb.chain((l) =>
    ticketsArb(l, 1, 8, sameShapeIdArb).chain((tickets) =>
      fc
        .record({
          x: exportArb(l, tickets),
          // One or two quote faults in a row, or a field over the record limit.
          faults: fc.array(
            fc.option(
              fc.oneof(
                fc.constant('huge' as const),
                fc.array(fc.record({ fault: fc.constantFrom(...QUOTE_FAULTS), at: fc.nat() }), {
                  minLength: 1,
                  maxLength: 2,
                }),
              ),
              { freq: 2 },
            ),
            { minLength: tickets.length, maxLength: tickets.length },
          ),
        })
        .map((g) => ({ l, tickets, ...g })),
    ),
  );
  return fc.asyncProperty(arb, async ({ l, tickets, x, faults }) => {
    const lines = tickets.map((t, i) => {
      const f = faults[i];
      const quote = x.quotes[i] ?? false;
      if (f === 'huge') return line({ ...t.row, desc: `${'y'.repeat(1500)}\n${'z'.repeat(1500)}` }, l, quote);
      return f ? quoteFaultLine(t, f, l, quote) : line(t.row, l, quote);
    });
    const { text, rows: at } = joinLines(header(l), lines, x.ends);
    const o = await importBytes(encode(text + x.trailing, l.encoding), mappingOf(l), { maxRecordChars: 2_000 });
    checkOutcome(o, breaks(text + x.trailing) + 1);
    if (!o.ok) return;
    const events = byTicket(o);
    const spans = o.rejections.map(span);
    // The last line of the latest row above imported as written: the records after it start below it.
    let intact = 1;
    for (const [i, t] of tickets.entries()) {
      const row = at[i] as number;
      const last = row + breaks(lines[i] as string);
      const got = events.get(t.row.id)?.map((e) => withoutDigest(e as never));
      if (got === undefined) {
        // A row not imported lies in records that were rejected: one starts on its lines, or
        // below the last row imported whole and above them, its record running into them (a
        // quoted field over lines; a rejection that is not about quoting names only its first).
        const named = spans.some(([a, b]) => a <= last && row <= b);
        const above = o.rejections.some((r) => !TOLD_WHOLE.test(r.reason) && r.row > intact && r.row <= last);
        check(named || above, 'a row is imported or rejected with the record it is in', {
          row,
          last,
          intact,
          rejections: o.rejections,
        });
      } else if (!faults[i]) {
        check(isDeepStrictEqual(got, expectedEvents(t, l)), 'a row without fault is imported as written', {
          row,
          got,
          rejections: o.rejections,
        });
        intact = last;
      }
    }
  });
}

/** A property: refuses a header without a mapped column, or with one twice, naming it and no value of the line. */
export function headerFaults() {
  const arb = layoutArb.chain((l) =>
    fc.record({
      l: fc.constant(l),
      tickets: ticketsArb(l, 1, 3),
      column: fc.constantFrom(...l.columns.filter((c) => c !== 'caller_phone')),
      how: fc.constantFrom('missing', 'twice', 'case'),
    }),
  );
  return fc.asyncProperty(arb, async ({ l, tickets, column, how }) => {
    const names = l.columns.map((c) => (c === column && how === 'case' ? ` ${c.toUpperCase()}` : c));
    if (how === 'twice') names.push(column);
    if (how === 'missing') names.splice(names.indexOf(column), 1, '410-555-0199');
    const rows = tickets.map((t) => line({ ...t.row, caller_phone: 'jane.doe@example.org' }, l, true));
    const o = await importBytes(encode([names.join(l.delimiter), ...rows].join('\n'), l.encoding), mappingOf(l));
    checkOutcome(o, rows.length + 1);
    check(
      !o.ok && o.error.code === 'CL_IMPORT_HEADER_MISMATCH',
      'the header is refused',
      o.ok ? o.result : o.error.message,
    );
    check(!o.ok && o.error.message.includes(`"${column}"`), 'naming the column', o.ok ? null : o.error.message);
  });
}

/** A property: answers any bytes with rows read or rejected, or a CL_IMPORT_ error, and shows no contact data. */
export function anyBytes() {
  const noise = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    fc
      .array(
        fc.constantFrom(
          '"',
          ',',
          ';',
          '\t',
          '\r',
          '\n',
          '\r\n',
          'a',
          'Ã©',
          '\u0000',
          '2024-01-02T10:00:00Z',
          '410-555-0199',
          'jane.doe@example.org',
        ),
        { maxLength: 60 },
      )
      .map((a) => Buffer.from(a.join(''), 'utf8')),
  );
  const arb = layoutArb.chain((l) =>
    fc.record({
      l: fc.constant(l),
      head: fc.constantFrom('header', 'row', 'none'),
      noise,
      tickets: ticketsArb(l, 0, 4),
      // Fields of the rows replaced by text written as is: quotes, delimiters, line breaks, dates,
      // numbers and a caller's contact data run into each other and into the next fields.
      soups: fc.array(fc.array(fc.record({ at: fc.nat(), text: soupArb(l) }), { maxLength: 3 }), {
        minLength: 4,
        maxLength: 4,
      }),
    }),
  );
  return fc.asyncProperty(arb, async ({ l, head, noise, tickets, soups }) => {
    const first =
      head === 'header'
        ? header(l)
        : head === 'row'
          ? ['410-555-0199', '2024-01-02T10:00:00Z', 'jane.doe@example.org', '+44 20 7946 0958'].join(l.delimiter)
          : '';
    const rows = tickets
      .map((t, i) => {
        const fields = l.columns.map((c) => field(t.row[c], l, false));
        for (const { at, text } of soups[i] ?? []) fields[at % fields.length] = text;
        return fields.join(l.delimiter);
      })
      .join('\n');
    const bytes = Buffer.concat([encode(`${first}\n${rows}\n`, l.encoding), noise]);
    const o = await importBytes(bytes, mappingOf(l));
    const text = new TextDecoder(l.encoding.startsWith('utf-16') ? 'utf-16le' : 'latin1').decode(bytes);
    checkOutcome(o, breaks(text) + 1);
  });
}
