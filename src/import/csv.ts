import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { Rejection } from './rows.ts';

/** A record of the export, by header name, or the reason it cannot be one. */
export type ExportRecord =
  | {
      readonly ok: true;
      /** As Rejection.row. */
      readonly row: number;
      readonly values: Record<string, string>;
      /** Bytes of the file read so far, for progress. */
      readonly bytes: number;
    }
  | { readonly ok: false; readonly rejection: Rejection };

/** The column a rejection names when it is about the whole row rather than one of its fields. */
export const WHOLE_ROW = '(row)';

interface Parsed {
  readonly record: string[];
  readonly info: { readonly records: number; readonly bytes: number };
}

/**
 * The export's records in file order, each keyed by the header's names. The parser is told to
 * accept any number of fields so that a row with too many or too few is rejected here, named,
 * instead of aborting the file; taken by position it would have its values shifted into other
 * columns (a closed ticket read as open, a date as a type).
 */
export async function* readExport(file: string, delimiter: string): AsyncGenerator<ExportRecord> {
  const parser = createReadStream(file).pipe(
    parse({ delimiter, skip_empty_lines: true, bom: true, info: true, relax_column_count: true }),
  );
  let header: readonly string[] | null = null;
  for await (const { record, info } of parser as AsyncIterable<Parsed>) {
    if (header === null) {
      header = record;
      continue;
    }
    // The header is row 1, so the first record is row 2, as a spreadsheet shows it.
    const row = info.records;
    if (record.length !== header.length) {
      const reason = `row ${row} has ${record.length} fields, the header has ${header.length}`;
      yield { ok: false, rejection: { row, column: WHOLE_ROW, reason } };
      continue;
    }
    const values: Record<string, string> = {};
    for (let i = 0; i < header.length; i += 1) values[header[i] as string] = record[i] as string;
    yield { ok: true, row, values, bytes: info.bytes };
  }
}
