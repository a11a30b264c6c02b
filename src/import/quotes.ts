import type { Placed } from './lines.ts';
import type { Rejection } from './rows.ts';

/**
 * Quoting gone wrong in an export. A quote in the middle of an unquoted field (12" pipe), or an
 * undoubled one inside a quoted field, makes csv-parse give up on the row; it is rejected with
 * what to fix instead of aborting the file. (csv-parse's relax_quotes would keep such a row, but
 * with the quotes as part of the value, a quoted field's own quotes included, and with no word
 * of it: a rejection tells the city what to fix.) A stray quote at the start of a field is worse:
 * it opens a quoted field that runs on, over line breaks, to the next quote anywhere below, so
 * the rows in between become part of one field. Such a field is recognised by a line inside it
 * that splits into as many fields as the header has.
 */

/** csv-parse's error as it reaches on_skip: its code and the field it was reading. */
export interface ParserFault {
  readonly code: string;
  readonly message: string;
  readonly index?: unknown;
}

/** Why csv-parse gave up on a record, for the reject report. */
export function quoteRejection(fault: ParserFault, header: readonly string[] | null, at: Placed): Rejection {
  const index = typeof fault.index === 'number' ? fault.index : -1;
  const column = header?.[index] ?? `field ${index + 1}`;
  const reason =
    fault.code === 'INVALID_OPENING_QUOTE'
      ? 'a quote in the middle of a field that is not quoted: quote the whole field and double the quote ("12"" pipe")'
      : fault.code === 'CSV_INVALID_CLOSING_QUOTE'
        ? 'a quote inside a quoted field that is not doubled ("12"" pipe"), or text after its closing quote'
        : `not readable as CSV: ${fault.message}`;
  return { row: at.first, column, reason };
}

/** A row whose field holds lines shaped like rows: what a stray opening quote swallowed. */
export function swallowedRows(
  fields: readonly string[],
  header: readonly string[],
  delimiter: string,
  at: Placed,
): Rejection | null {
  if (at.last === at.first) return null;
  for (const [i, field] of fields.entries()) {
    if (!field.includes('\n') && !field.includes('\r')) continue;
    const rowLike = field
      .split(/\r\n|\r|\n/)
      .slice(1)
      .filter((line) => line.split(delimiter).length >= header.length).length;
    if (rowLike === 0) continue;
    return {
      row: at.first,
      column: header[i] ?? `field ${i + 1}`,
      reason:
        `the field runs over lines ${at.first}-${at.last} and holds ${rowLike} line(s) shaped like whole rows: ` +
        'a stray quote opened it and swallowed them; fix the quoting and import those rows again',
    };
  }
  return null;
}
