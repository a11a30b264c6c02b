import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parse, type Options } from 'csv-parse';
import { CloseloopError } from '../errors/index.ts';
import { ExportDecoder, REPLACEMENT } from './encoding.ts';
import { LineCounter, type ParserPosition, type Placed } from './lines.ts';
import type { ImportMapping } from './mapping.ts';
import { quoteRejection, rowRecogniser, swallowedRows, type ParserFault, type RowRecogniser } from './quotes.ts';
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

interface Parsed extends Placed {
  readonly fields: string[];
  readonly bytes: number;
  /** The first field that lost characters to bytes that are not UTF-8, or -1. */
  readonly garbled: number;
}

/**
 * The export's records in file order, each keyed by the header's names. The parser is told to
 * accept any number of fields so that a row with too many or too few is rejected here, named,
 * instead of aborting the file; taken by position it would have its values shifted into other
 * columns (a closed ticket read as open, a date as a type).
 */
export async function* readExport(file: string, mapping: ImportMapping): AsyncGenerator<ExportRecord> {
  const lines = new LineCounter();
  let header: readonly string[] | null = null;
  let isRow: RowRecogniser = () => false;
  // The header as parsed, which on_skip may need before this loop has read it.
  let names: readonly string[] | null = null;
  // Rows csv-parse gave up on, told as it parses (ahead of this loop), reported in line order.
  const skipped: Rejection[] = [];
  let unclosedFrom: number | null = null;
  const decoder = new ExportDecoder(mapping.encoding);
  // Where the record being placed starts: the end of the one before it.
  let recordFrom = 0;
  const options: Options<Parsed, string[]> = {
    delimiter: mapping.delimiter,
    // Every line ending ends a record, whichever the file starts with: left to itself csv-parse
    // takes the first line's and no other, and an export joined from two systems' files (a CRLF
    // header, LF rows) would read as one giant record. CRLF first, so it is not taken as CR and
    // an empty line. Inside a quoted field a line break stays part of the value.
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: true,
    bom: true,
    relax_column_count: true,
    skip_records_with_error: true,
    // Called in parse order, so each record is placed after the one before it.
    on_record: (fields, at) => {
      names ??= fields;
      const from = recordFrom;
      recordFrom = at.bytes;
      // Otherwise the offsets are of the text as UTF-8, not the file's: progress reads the file's.
      if (!decoder.passesBytes) return { fields, bytes: decoder.bytesRead, garbled: -1, ...lines.record(fields, at) };
      let garbled = fields.findIndex((f) => f.includes(REPLACEMENT));
      if (garbled >= 0 && decoder.isUtf8(from, at.bytes)) garbled = -1;
      decoder.forget(at.bytes);
      return { fields, bytes: at.bytes, garbled, ...lines.record(fields, at) };
    },
    on_skip: (err) => {
      if (!err) return;
      const at = err as unknown as ParserPosition & ParserFault;
      // A quote open at the end of the file took everything after it: nothing to resume at.
      if (at.code === 'CSV_QUOTE_NOT_CLOSED') unclosedFrom = lines.peek(at);
      else skipped.push(quoteRejection(at, names, lines.skipped(at)));
    },
  };
  // csv-parse's types allow an on_record that changes the record's type only with `columns`.
  const parser = parse(options as unknown as Options);
  // pipeline, not pipe: a read error (a directory, a file gone) then ends the parser with it, so
  // the loop below throws it, instead of an 'error' event nobody listens to crashing the process.
  // The loop reports the failure; this promise's own rejection would tell it twice.
  pipeline(createReadStream(file), decoder, parser).catch(() => undefined);
  let rows = 0;
  for await (const { fields, first: row, last, bytes, garbled } of parser as AsyncIterable<Parsed>) {
    if (header === null) {
      checkHeader(file, fields, mapping);
      header = fields;
      isRow = rowRecogniser(header, mapping);
      continue;
    }
    while ((skipped[0]?.row ?? Infinity) < row) {
      rows += 1;
      yield { ok: false, rejection: skipped.shift() as Rejection };
    }
    rows += 1;
    const swallowed = swallowedRows(fields, header, isRow, { first: row, last });
    if (swallowed) {
      yield { ok: false, rejection: swallowed };
      continue;
    }
    if (fields.length !== header.length) {
      const reason = `row ${row} has ${fields.length} fields, the header has ${header.length}`;
      yield { ok: false, rejection: { row, column: WHOLE_ROW, reason } };
      continue;
    }
    if (garbled >= 0) {
      yield { ok: false, rejection: notUtf8(row, header[garbled] ?? WHOLE_ROW, fields[garbled] ?? '') };
      continue;
    }
    const values: Record<string, string> = {};
    for (let i = 0; i < header.length; i += 1) values[header[i] as string] = fields[i] as string;
    yield { ok: true, row, values, bytes };
  }
  for (const rejection of skipped) {
    rows += 1;
    yield { ok: false, rejection };
  }
  if (unclosedFrom !== null) {
    throw new CloseloopError(
      'CL_IMPORT_UNREADABLE',
      `${file}: a quote opened in the row on line ${unclosedFrom} is never closed, so the rest of the file ` +
        `reads as one field; no row from line ${unclosedFrom} on was imported. Fix the quoting and import again`,
      { details: { line: unclosedFrom } },
    );
  }
  // An export cut short, or the wrong file, would otherwise pass as a successful import of nothing.
  if (header === null) throw new CloseloopError('CL_IMPORT_EMPTY', `${file}: the file is empty: no header, no rows`);
  if (rows === 0) throw new CloseloopError('CL_IMPORT_EMPTY', `${file}: the file has a header and no rows`);
}

function notUtf8(row: number, column: string, value: string): Rejection {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  const reason =
    `"${shown}" holds bytes that are not UTF-8 (shown as ${REPLACEMENT}); if the export is in another ` +
    "encoding, give it as the mapping's encoding (windows-1252, latin1, utf-16le)";
  return { row, column, reason };
}

/** Header names compared as people read them: case and spaces aside. */
const fold = (name: string): string => name.toLowerCase().replace(/\s+/g, '');

/**
 * Every column the mapping names must be in the header, once: a missing one would read as empty
 * in every row (closed tickets imported as open, due dates and coordinates gone), and a doubled
 * one would be read from one of its places only. All problems are told at once, before any row.
 */
export function checkHeader(file: string, header: readonly string[], mapping: ImportMapping): void {
  const problems: string[] = [];
  const missing: string[] = [];
  for (const [field, ref] of Object.entries(mapping.columns)) {
    for (const column of [ref ?? []].flat()) {
      const at = header.flatMap((name, i) => (name === column ? [i + 1] : []));
      if (at.length > 1)
        problems.push(`columns.${field}: "${column}" is in the header ${at.length} times (columns ${at.join(', ')})`);
      if (at.length > 0) continue;
      missing.push(column);
      const near = header.find((name) => fold(name) === fold(column));
      problems.push(
        `columns.${field}: "${column}" is not in the header` + (near === undefined ? '' : ` (did you mean "${near}"?)`),
      );
    }
  }
  if (problems.length === 0) return;
  const shown =
    header
      .slice(0, 40)
      .map((name) => `"${name}"`)
      .join(', ') + (header.length > 40 ? ', …' : '');
  throw new CloseloopError(
    'CL_IMPORT_HEADER_MISMATCH',
    `${file}: the header does not match the mapping; no row was read:\n  ${problems.join('\n  ')}\nthe header has: ${shown}` +
      delimiterHint(header, missing, mapping.delimiter),
    { details: { problems } },
  );
}

/** Separators exports are published with. */
const SEPARATORS = [',', ';', '\t'];

/**
 * A pointer to the mapping's delimiter when the header reads as the missing names joined by
 * another separator (a ";" export read with ","): the names are all there, run together.
 */
function delimiterHint(header: readonly string[], missing: readonly string[], delimiter: string): string {
  const other = SEPARATORS.find(
    (sep) =>
      sep !== delimiter &&
      header.some((name) => name.includes(sep) && name.split(sep).some((part) => missing.includes(part.trim()))),
  );
  if (other === undefined) return '';
  const shown = JSON.stringify(other);
  return `\nthe header has ${shown} between names the mapping is missing: if the export is separated by ${shown}, set the mapping's delimiter to ${shown}`;
}
