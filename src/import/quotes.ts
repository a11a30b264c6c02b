import { parse } from 'csv-parse/sync';
import type { ImportMapping } from './mapping.ts';
import { compileMapping, parseTime } from './rows.ts';
import type { FaultCode } from './records.ts';

/**
 * Quoting gone wrong in an export, as the record reader (records.ts) finds it, put as what the
 * city is to fix. (csv-parse's relax_quotes would keep such a row, but with the quotes as part of
 * the value, a quoted field's own quotes included, and with no word of it: a rejection tells the
 * city what to fix.) A stray quote at the start of a field opens a field that runs on, over line
 * breaks, to the next quote anywhere below; a line inside it that reads as a row (rowRecogniser)
 * tells such a field from a quoted note with line breaks.
 */

/** Why a record is not read, without any of its values (they may be a caller's name or phone). */
export function faultReason(
  fault: FaultCode,
  at: { readonly first: number; readonly last: number; readonly readAgain: boolean },
  maxChars: number,
): string {
  const lines = at.last > at.first ? `lines ${at.first}-${at.last} are` : `line ${at.first} is`;
  const after = at.readAgain ? `, and the lines below line ${at.last} are read as rows of their own` : '';
  switch (fault) {
    case 'quote-in-unquoted':
      return 'a quote in the middle of a field that is not quoted: quote the whole field and double the quote ("12"" pipe")';
    case 'bad-closing-quote':
      return 'a quote inside a quoted field that is not doubled ("12"" pipe"), or text after its closing quote';
    case 'stray-quote':
      return (
        `a quote opens this field on line ${at.last} and does not close on that line; what follows it reads as rows, ` +
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

/**
 * The field of a multi-line record whose lines, after its first, hold one that reads as a whole
 * row: a stray opening quote swallowed the rows below it. -1 when there is none.
 */
export function swallowedField(fields: readonly string[], isRow: RowRecogniser): number {
  return fields.findIndex(
    (field) =>
      (field.includes('\n') || field.includes('\r')) &&
      field
        .split(/\r\n|\r|\n/)
        .slice(1)
        .some(isRow),
  );
}
