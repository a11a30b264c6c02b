import { parse } from 'csv-parse/sync';
import type { Placed } from './lines.ts';
import type { ImportMapping } from './mapping.ts';
import { compileMapping, parseTime, type Rejection } from './rows.ts';

/**
 * Quoting gone wrong in an export. A quote in the middle of an unquoted field (12" pipe), or an
 * undoubled one inside a quoted field, makes csv-parse give up on the row; it is rejected with
 * what to fix instead of aborting the file. (csv-parse's relax_quotes would keep such a row, but
 * with the quotes as part of the value, a quoted field's own quotes included, and with no word
 * of it: a rejection tells the city what to fix.) A stray quote at the start of a field is worse:
 * it opens a quoted field that runs on, over line breaks, to the next quote anywhere below, so
 * the rows in between become part of one field. Such a field is recognised by a line inside it
 * that reads as a row: see rowRecogniser.
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

/** Whether one physical line of a field reads as a whole row of the export. */
export type RowRecogniser = (line: string) => boolean;

/**
 * Lines that read as rows: parsed as CSV with the mapping's delimiter, at least as many fields
 * as the header (a swallowed row may have had too many, an unquoted comma in its description),
 * and a readable open time where the header has the open time. Counting delimiters alone took
 * a properly quoted note ("items left: sofa, chair, table, …") for a swallowed row and rejected
 * it, with nothing for the city to fix; text that also holds one of the mapping's dates in the
 * open-time column is a row.
 */
export function rowRecogniser(header: readonly string[], mapping: ImportMapping): RowRecogniser {
  const c = compileMapping(mapping);
  const openedAt = [mapping.columns.openedAt]
    .flat()
    .map((name) => header.indexOf(name))
    .filter((i) => i >= 0);
  return (line) => {
    // A line holds at most one field more than it has delimiters: most prose is passed over unparsed.
    if (line.split(mapping.delimiter).length < header.length) return false;
    let fields: string[];
    try {
      const records = parse(line, { delimiter: mapping.delimiter, relax_quotes: true, relax_column_count: true });
      fields = (records as string[][])[0] ?? [];
    } catch {
      // Not readable as a line of CSV (a quote opened and not closed on it): no whole row.
      return false;
    }
    if (fields.length < header.length) return false;
    // As mapRow reads it: the first non-empty of the open-time columns.
    const opened = openedAt.map((i) => fields[i]?.trim() ?? '').find((v) => v !== '');
    return opened !== undefined && parseTime(opened, c) !== null;
  };
}

/** A row whose field holds lines that read as rows: what a stray opening quote swallowed. */
export function swallowedRows(
  fields: readonly string[],
  header: readonly string[],
  isRow: RowRecogniser,
  at: Placed,
): Rejection | null {
  if (at.last === at.first) return null;
  for (const [i, field] of fields.entries()) {
    if (!field.includes('\n') && !field.includes('\r')) continue;
    const rowLike = field
      .split(/\r\n|\r|\n/)
      .slice(1)
      .filter(isRow).length;
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
