import { createReadStream } from 'node:fs';
import { CloseloopError } from '../errors/index.ts';
import { decodeExport, encodingMismatch, Utf8Sniff, type ReadCount } from './encoding.ts';
import type { ImportMapping } from './mapping.ts';
import { faultReason, strayQuoteFinder, type StrayQuoteFinder } from './quotes.ts';
import { RecordReader, type ReadEvent } from './records.ts';
import { compileMapping, openedAtOf, parseTime, type Rejection } from './rows.ts';

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
  | {
      readonly ok: false;
      readonly rejection: Rejection;
      /** The row's open time when it could still be read: a row outside --since/--until is left out. */
      readonly openedAt: number | null;
    };

/** The column a rejection names when it is about the whole row rather than one of its fields. */
export const WHOLE_ROW = '(row)';

/**
 * The most characters a row may hold. A quote that opens a field and closes far below (or never)
 * would otherwise hold the file in memory, up to what a string can take; the record reader keeps
 * no more than this, and the rows below are read again. Above the 1,000,000 bytes an event may
 * take, so a row too large to publish is told so, and a large column the mapping leaves out fits.
 */
export const MAX_RECORD_CHARS = 4 * 1024 * 1024;

export interface ReadOptions {
  /** MAX_RECORD_CHARS unless told. */
  readonly maxRecordChars?: number | undefined;
}

/**
 * The export's records in file order, each keyed by the header's names. A row with too many or
 * too few fields is rejected here, named, instead of aborting the file; taken by position it
 * would have its values shifted into other columns (a closed ticket read as open, a date as a
 * type). Every line of the file is read as a row or rejected: none is dropped unseen.
 */
export async function* readExport(
  file: string,
  mapping: ImportMapping,
  options: ReadOptions = {},
): AsyncGenerator<ExportRecord> {
  const maxChars = options.maxRecordChars ?? MAX_RECORD_CHARS;
  let header: readonly string[] | null = null;
  let strayQuote: StrayQuoteFinder = () => -1;
  let mapped = new Set<number>();
  let openedAtColumns: number[] = [];
  const c = compileMapping(mapping);
  const count: ReadCount = { bytes: 0 };
  const valuesOf = (fields: readonly string[]): Record<string, string> => {
    const values: Record<string, string> = {};
    for (const [i, name] of (header ?? []).entries()) values[name] = fields[i] ?? '';
    return values;
  };
  let rows = 0;
  const place = (e: ReadEvent): ExportRecord | null => {
    if (header === null) {
      // Before the header nothing is a row: what is wrong with it is told without its text, which
      // may be a row of callers' names and phones taken for the header.
      if (!e.ok || e.last > e.first) {
        const what = e.ok ? `a quote opened in it runs on to line ${e.last}` : faultReason(e.fault, e, maxChars);
        throw new CloseloopError(
          'CL_IMPORT_UNREADABLE',
          `${file}: the header line is not readable CSV (line ${e.first}: ${what}); no row was read`,
          { details: { line: e.first } },
        );
      }
      checkHeader(file, e.fields, mapping, e.garbled[0]?.byte ?? null);
      header = e.fields;
      strayQuote = strayQuoteFinder(header, mapping);
      mapped = mappedIndexes(header, mapping);
      openedAtColumns = [mapping.columns.openedAt].flat().map((name) => header?.indexOf(name) ?? -1);
      return null;
    }
    rows += 1;
    const row = e.first;
    if (!e.ok) {
      const column = header[e.field] ?? `field ${e.field + 1}`;
      const rejection = { row, column, reason: faultReason(e.fault, e, maxChars) };
      // The fields before the one at fault are in their places: the open time may be among them.
      const placed = openedAtColumns.every((i) => i < e.before.length);
      return { ok: false, rejection, openedAt: placed ? openedAtOf(c, valuesOf(e.before)) : null };
    }
    if (e.fields.length !== header.length && !onlyUnnamedMissing(header, e.fields.length, mapped)) {
      // A quoted field with line breaks in it: every line it runs over is named, none left unseen.
      const lines = e.last > e.first ? `; a quoted field runs it over lines ${e.first}-${e.last}, all rejected` : '';
      const reason = `row ${row} has ${e.fields.length} fields, the header has ${header.length}${lines}`;
      return { ok: false, rejection: { row, column: WHOLE_ROW, reason }, openedAt: null };
    }
    const values = valuesOf(e.fields);
    // A column the mapping does not read may hold anything: only what is imported is checked.
    const garbled = e.garbled.find((g) => mapped.has(g.field));
    if (garbled) {
      const column = header[garbled.field] ?? WHOLE_ROW;
      return { ok: false, rejection: notUtf8(row, column, garbled.byte), openedAt: openedAtOf(c, values) };
    }
    return { ok: true, row, values, bytes: count.bytes };
  };
  let placed: ExportRecord[] = [];
  const reader = new RecordReader({
    delimiter: mapping.delimiter,
    maxChars,
    swallowed: (fields) => strayQuote(fields),
    emit: (e) => {
      const record = place(e);
      if (record) placed.push(record);
    },
  });
  for await (const piece of decodeExport(
    checkedEncoding(file, createReadStream(file), mapping),
    mapping.encoding,
    count,
  )) {
    reader.push(piece.text, piece.bad);
    yield* placed;
    placed = [];
  }
  reader.end();
  yield* placed;
  // An export cut short, or the wrong file, would otherwise pass as a successful import of nothing.
  if (header === null) throw new CloseloopError('CL_IMPORT_EMPTY', `${file}: the file is empty: no header, no rows`);
  if (rows === 0) throw new CloseloopError('CL_IMPORT_EMPTY', `${file}: the file has a header and no rows`);
}

/**
 * The file's bytes, refused before any is read as text when the first contradict the mapping's
 * encoding, or before the first non-ASCII text of a file said to be windows-1252 that is UTF-8.
 */
async function* checkedEncoding(file: string, chunks: AsyncIterable<Buffer>, mapping: ImportMapping) {
  let first = true;
  const sniff = new Utf8Sniff(mapping.encoding);
  for await (const chunk of chunks) {
    const problem = first ? encodingMismatch(chunk, mapping.encoding) : null;
    if (problem !== null) throw new CloseloopError('CL_IMPORT_UNREADABLE', `${file}: ${problem}; no row was read`);
    first = false;
    const utf8 = sniff.push(chunk);
    if (utf8 !== null) throw new CloseloopError('CL_IMPORT_UNREADABLE', `${file}: ${utf8}`);
    yield chunk;
  }
}

/** The value is not shown: the column may hold a caller's name, and the bytes show as � anyway. */
function notUtf8Reason(byte: number): string {
  return (
    `holds bytes that are not UTF-8 (the first at byte ${byte} of the file); if the export is in another ` +
    "encoding, give it as the mapping's encoding (windows-1252, latin1, utf-16le)"
  );
}

function notUtf8(row: number, column: string, byte: number): Rejection {
  return { row, column, reason: notUtf8Reason(byte) };
}

/** The header's indexes of the columns the mapping reads. */
/**
 * Whether a short record lacks only trailing columns with no header name that the mapping does
 * not read: Excel, saving a sheet whose last columns are empty and unnamed, drops their
 * separators from rows where they are empty. Nothing of the row can be shifted, so it is read
 * with those columns empty; a row short in a named column, or too long, is still rejected.
 */
function onlyUnnamedMissing(header: readonly string[], fields: number, mapped: ReadonlySet<number>): boolean {
  if (fields > header.length) return false;
  for (let i = fields; i < header.length; i += 1) if (header[i] !== '' || mapped.has(i)) return false;
  return true;
}

function mappedIndexes(header: readonly string[], mapping: ImportMapping): Set<number> {
  const names = new Set(Object.values(mapping.columns).flatMap((ref) => [ref ?? []].flat()));
  return new Set(header.flatMap((name, i) => (names.has(name) ? [i] : [])));
}

/** Header names compared as people read them: case and spaces aside. */
const fold = (name: string): string => name.toLowerCase().replace(/\s+/g, '');

/**
 * Every column the mapping names must be in the header, once: a missing one would read as empty
 * in every row (closed tickets imported as open, due dates and coordinates gone), and a doubled
 * one would be read from one of its places only. All problems are told at once, before any row.
 * `garbledByte` is the file offset of the header's first byte that is not UTF-8, if it has one.
 */
export function checkHeader(
  file: string,
  header: readonly string[],
  mapping: ImportMapping,
  garbledByte: number | null = null,
): void {
  const problems: string[] = [];
  const missing: string[] = [];
  for (const [field, ref] of Object.entries(mapping.columns)) {
    for (const column of [ref ?? []].flat()) {
      const at = header.flatMap((name, i) => (name === column ? [i + 1] : []));
      if (at.length > 1)
        problems.push(`columns.${field}: "${column}" is in the header ${at.length} times (columns ${at.join(', ')})`);
      if (at.length > 0) continue;
      missing.push(column);
      // Shown, though it is the line's: it is the mapping's own name but for case and spaces.
      const near = header.find((name) => fold(name) === fold(column));
      problems.push(
        `columns.${field}: "${column}" is not in the header` + (near === undefined ? '' : ` (did you mean "${near}"?)`),
      );
    }
  }
  if (problems.length === 0) return;
  throw new CloseloopError(
    'CL_IMPORT_HEADER_MISMATCH',
    `${file}: the header does not match the mapping; no row was read:\n  ${problems.join('\n  ')}\n` +
      firstLineShape(header, mapping) +
      delimiterHint(header, missing, mapping.delimiter) +
      // A name with an accent, in an export saved in windows-1252, cannot match the mapping's:
      // told as a row's bytes are, or the operator looks for a typo that is not there.
      (garbledByte === null ? '' : `\nthe header ${notUtf8Reason(garbledByte)}`),
    { details: { problems } },
  );
}

/** A plain number: a ZIP code, a ward, a coordinate. No export names a column so. */
const NUMBER = /^[+-]?\d+(?:[.,]\d+)?$/;

/**
 * What the first line is like, none of its values shown: an export split into parts carries its
 * header in the first part only, so the first line of another part is a row, a caller's name,
 * phone and e-mail among its values, on its way to cron mail and CI logs. Dates and numbers, which
 * no header holds, tell such a row from a header that merely names columns otherwise.
 */
function firstLineShape(header: readonly string[], mapping: ImportMapping): string {
  const c = compileMapping(mapping);
  const data = header.filter((v) => NUMBER.test(v.trim()) || (v.trim() !== '' && parseTime(v.trim(), c) !== null));
  const fields = header.length === 1 ? '1 field' : `${header.length} fields`;
  const shape = `the first line has ${fields} (their values are not shown)`;
  if (data.length === 0) return shape;
  return (
    `${shape}, ${data.length} of them ${data.length === 1 ? 'a date or number' : 'dates or numbers'}: ` +
    'it looks like a row of data, not a header. ' +
    'If the export was split into parts, only the first part has the header line: put that line above the rows'
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
