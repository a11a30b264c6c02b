/**
 * Properties of well-formed exports (README "Import and go-live"): each row becomes its events,
 * with the fields it carried, the same however the export is written and however often imported.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { check } from '../property/check.ts';
import { ENCODING_CHOICES, encode, instantArb, layoutArb, mappingOf, readOpen, wide } from './layout.ts';
import { checkOutcome, importBytes } from './run.ts';
import { byTicket, exportArb, imported } from './shared.ts';
import { breaks, expectedEvents, header, joinLines, line, ticketsArb, withoutDigest } from './tickets.ts';

/** A property: imports a well-formed export of N tickets as exactly those N, with the fields they carried. */
export function roundTrip() {
  const arb = layoutArb.chain((l) =>
    ticketsArb(l, 1, 8).chain((tickets) => exportArb(l, tickets).map((x) => ({ l, tickets, ...x }))),
  );
  return fc.asyncProperty(arb, async ({ l, tickets, ends, quotes, trailing }) => {
    const { text } = joinLines(
      header(l),
      tickets.map((t, i) => line(t.row, l, quotes[i] ?? false)),
      ends,
    );
    const o = imported(await importBytes(encode(text + trailing, l.encoding), mappingOf(l)));
    checkOutcome(o, breaks(text + trailing) + 1);
    if (!o.ok) return;
    check(o.result.outside === 0, 'no row is outside a window not given', o.result);
    check(o.result.imported === tickets.length && o.result.rejected === 0, 'every ticket imported', o.rejections);
    const want = tickets.flatMap((t) => expectedEvents(t, l));
    const got = o.events.map(withoutDigest);
    check(isDeepStrictEqual(got, want), 'the events carry the rows', { got, want });
  });
}

/** A property: gives a ticket the same events (ids too) however its export is written, ordered, or how often imported. */
export function sameEvents() {
  const arb = layoutArb.chain((l) =>
    ticketsArb(l, 1, 6).chain((tickets) =>
      fc
        .record({
          a: exportArb(l, tickets),
          b: exportArb(l, tickets),
          order: fc.shuffledSubarray(tickets, { minLength: 1 }),
          other: fc.record({
            delimiter: fc.constantFrom(',', ';', '\t', '|'),
            encoding: fc.constantFrom(...ENCODING_CHOICES.filter((e) => !wide(l) || e.startsWith('utf'))),
            columns: fc.shuffledSubarray([...l.columns], { minLength: l.columns.length }),
          }),
        })
        .map((x) => ({ l, tickets, ...x })),
    ),
  );
  return fc.asyncProperty(arb, async ({ l, tickets, a, b, order, other }) => {
    const m = { ...l, ...other };
    const fileA = encode(
      joinLines(
        header(l),
        tickets.map((t, i) => line(t.row, l, a.quotes[i] ?? false)),
        a.ends,
      ).text,
      l.encoding,
    );
    const fileB = encode(
      joinLines(
        header(m),
        order.map((t, i) => line(t.row, m, b.quotes[i] ?? false)),
        b.ends,
      ).text,
      m.encoding,
    );
    const first = imported(await importBytes(fileA, mappingOf(l)));
    const again = imported(await importBytes(fileA, mappingOf(l)));
    const { seconds: _s1, ...r1 } = first.ok ? first.result : ({} as never);
    const { seconds: _s2, ...r2 } = again.ok ? again.result : ({} as never);
    check(isDeepStrictEqual(r1, r2), 'the same export gives the same result');
    check(
      isDeepStrictEqual(first, { ...again, result: first.ok ? first.result : null }),
      'the same export gives the same events',
    );
    const other2 = imported(await importBytes(fileB, mappingOf(m)));
    const x = byTicket(first);
    for (const [id, events] of byTicket(other2)) {
      check(isDeepStrictEqual(events, x.get(id)), 'a row gives the same events in any export', {
        id,
        events,
        was: x.get(id),
      });
    }
    check(other2.ok && other2.result.imported === order.length, 'each row of the other export imported');
  });
}

/** A property: leaves rows opened outside --since/--until out, counted apart, and imports the others as without a window. */
export function timeWindow() {
  const arb = layoutArb.chain((l) =>
    ticketsArb(l, 1, 8).chain((tickets) =>
      fc
        .record({
          x: exportArb(l, tickets),
          since: fc.option(instantArb),
          span: fc.option(fc.nat({ max: 5 * 365 * 86_400_000 })),
        })
        .map((g) => ({ l, tickets, ...g })),
    ),
  );
  return fc.asyncProperty(arb, async ({ l, tickets, x, since, span: length }) => {
    const { text } = joinLines(
      header(l),
      tickets.map((t, i) => line(t.row, l, x.quotes[i] ?? false)),
      x.ends,
    );
    const until = length === null ? undefined : (since ?? Date.parse('2000-01-02T00:00:00Z')) + length + 1;
    const o = imported(await importBytes(encode(text, l.encoding), mappingOf(l), { since: since ?? undefined, until }));
    checkOutcome(o, breaks(text) + 1);
    const inside = tickets.filter((t) => {
      const at = readOpen(t.opened, l);
      return (since === null || at >= since) && (until === undefined || at < until);
    });
    check(
      o.ok && o.result.outside === tickets.length - inside.length && o.result.read === inside.length,
      'rows in and out of the window',
      o.ok ? o.result : null,
    );
    check(
      isDeepStrictEqual(
        o.ok ? o.events.map(withoutDigest) : [],
        inside.flatMap((t) => expectedEvents(t, l)),
      ),
      'the rows inside imported',
    );
  });
}
