import { parse } from 'csv-parse/sync';
import type { ImportMapping } from './mapping.ts';
import { compileMapping, parseTime } from './rows.ts';
import type { FaultCode } from './records.ts';

/**
 * Quoting gone wrong in an export, as the record reader (records.ts) finds it, put as what the
 * city is to fix. (csv-parse's relax_quotes would keep such a row, but with the quotes as part of
 * the value, a quoted field's own quotes included, and with no word of it: a rejection tells the
 * city what to fix.) A stray quote at the start of a field opens a field that runs on, over line
 * breaks, to the next quote anywhere below; a line inside it that reads as a row, or as the start
 * of one (strayQuoteFinder), tells such a field from a quoted note with line breaks.
 */

/** Why a record is not read, without any of its values (they may be a caller's name or phone). */
export function faultReason(
  fault: FaultCode,
  at: { readonly first: number; readonly last: number; readonly readAgain: boolean },
  maxChars: number,
): string {
  const lines = at.last > at.first ? `lines ${at.first}-${at.last} are` : `line ${at.first} is`;
  const after = at.readAgain ? `, and the lines below line ${at.last} are read as rows of their own` : '';
  // A quote fault in a record an earlier quoted field ran over lines (a stray quote an inch mark
  // below closed) rejects the record whole, every line of it: named, or the rows on its later
  // lines would be gone without a word.
  const all = at.last > at.first ? `: ${lines} rejected` : '';
  switch (fault) {
    case 'quote-in-unquoted':
      return `a quote in the middle of a field that is not quoted: quote the whole field and double the quote ("12"" pipe")${all}`;
    case 'bad-closing-quote':
      return `a quote inside a quoted field that is not doubled ("12"" pipe"), or text after its closing quote${all}`;
    case 'stray-quote':
      return (
        `a quote opens this field on line ${at.last} and does not close on that line; what follows it reads as rows ` +
        `(or the start of one), ` +
        `or ends in a quote that closes no field (a stray quote): ${lines} rejected${after}; fix the quoting`
      );
    case 'never-closed':
      return `a quote opened in this field on line ${at.last} is never closed: ${lines} rejected${after}; fix the quoting`;
    case 'too-long':
      return (
        `the row is longer than ${maxChars} characters, the most a row may hold (a quote that opens a field and ` +
        `closes far below, or never?): ${lines} rejected${after}; fix the quoting`
      );
  }
}

/**
 * Finds, in a record that runs over lines, the field a stray quote opened: -1 when there is none.
 * A stray quote at the start of a field opens a field that runs on, over line breaks, to the next
 * quote anywhere below that comes before a delimiter or a line end. In 311 text that quote is
 * often an inch mark in the next row (HOLE 12", 24" main), so the field holds whole rows, or only
 * the start of one. Both are told from a quoted note's
 * lines by what a row starts with: a line of the field, after its first, that reads as a whole
 * row (`isRow`), or that starts as one (`startsRow`), is a row the quote swallowed.
 */
export type StrayQuoteFinder = (fields: readonly string[]) => number;

export function strayQuoteFinder(header: readonly string[], mapping: ImportMapping): StrayQuoteFinder {
  const c = compileMapping(mapping);
  const indexes = (ref: string | readonly string[]) =>
    [ref]
      .flat()
      .map((name) => header.indexOf(name))
      .filter((i) => i >= 0);
  const openedAt = indexes(mapping.columns.openedAt);
  const idAt = indexes(mapping.columns.ticketId)[0] ?? -1;
  const d = mapping.delimiter;
  const fieldsOf = (line: string): string[] | null => {
    try {
      const records = parse(line, { delimiter: d, relax_quotes: true, relax_column_count: true });
      return (records as string[][])[0] ?? [];
    } catch {
      // Not readable as a line of CSV (a quote opened and not closed on it): no row.
      return null;
    }
  };
  // As mapRow reads it: the first non-empty of the open-time columns (of those the fields reach).
  const opened = (fields: readonly string[]) => openedAt.map((i) => fields[i]?.trim() ?? '').find((v) => v !== '');
  const isRow = (line: string): boolean => {
    // A line holds at most one field more than it has delimiters: most prose is passed over unparsed.
    if (line.split(d).length < header.length) return false;
    const fields = fieldsOf(line);
    if (fields === null || fields.length < header.length) return false;
    const v = opened(fields);
    return v !== undefined && parseTime(v, c) !== null;
  };
  // The fewest delimiters a line needs for its fields to reach the id or the open-time column.
  const reach = Math.min(...[idAt, ...openedAt].filter((i) => i >= 0)) + 1;
  const startsRow = (line: string, ownId: string | undefined, restOfRow: boolean): boolean => {
    if (line.split(d).length - 1 < reach) return false;
    const fields = fieldsOf(line);
    if (fields === null) return false;
    // Only fields a delimiter ends count: a row's start goes on past them, and on the field's last
    // line the last piece is where the quote closed it, inside a field.
    const whole = fields.slice(0, -1);
    const id = idAt >= 0 && idAt < whole.length ? (whole[idAt]?.trim() ?? '') : null;
    // The record's own id, when it is one (not the field the quote ran through), to compare with.
    const own = ownId?.trim() ?? '';
    const comparable = own !== '' && !/[\r\n]/.test(own);
    if (openedAt.some((i) => i < whole.length)) {
      const v = opened(whole);
      if (v === undefined || parseTime(v, c) === null) return false;
      return id === null || !comparable || (id !== '' && shape(id) === shape(own));
    }
    // Only the id is reached: it must look like the record's own, character for character, and
    // the field's first line must be the rest of a row (restOfRow). An id-shaped start alone is
    // a quoted note's line as well, which RFC 4180 allows (SF's status_notes: "See also\n6078600,
    // same corner"), and the record ended well, so nothing else says a quote went astray.
    return id !== null && id !== '' && comparable && shape(id, true) === shape(own, true) && restOfRow;
  };
  // Whether the field's first line, read as the fields from its own column on, reaches the
  // open-time column with a time there: the rest of its row, which a stray quote ran through.
  const restsOfRow = (field: string, k: number): boolean => {
    const line = field.split(/\r\n|\r|\n/)[0] ?? '';
    const fields = fieldsOf(line);
    if (fields === null || !openedAt.some((i) => i > k && i < k + fields.length)) return false;
    const v = opened([...Array<string>(k).fill(''), ...fields]);
    return v !== undefined && parseTime(v, c) !== null;
  };
  return (fields) => {
    const ownId = idAt >= 0 ? fields[idAt] : undefined;
    return fields.findIndex((field, k) => {
      if (!field.includes('\n') && !field.includes('\r')) return false;
      const lines = field.split(/\r\n|\r|\n/).slice(1);
      const rest = restsOfRow(field, k);
      // A line before the field's last is a whole line of the file; the last ends at the quote.
      return lines.some((line, i) => (i < lines.length - 1 && isRow(line)) || startsRow(line, ownId, rest));
    });
  };
}

/**
 * What a ticket id looks like: runs of letters and of digits, and the marks between them
 * ("SR24-00000102" is "A9-9"); `exact`, one letter or digit for each ("AA99-99999999").
 */
function shape(id: string, exact = false): string {
  return exact
    ? id.replace(/[A-Za-z]/g, 'A').replace(/[0-9]/g, '9')
    : id.replace(/[A-Za-z]+/g, 'A').replace(/[0-9]+/g, '9');
}
