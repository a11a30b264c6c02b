/**
 * Runs a generated export through importFile, as `closeloop import` does (minus Kafka), and the
 * checks every run must pass whatever the file holds: only a typed error escapes (an error code
 * of the catalogue's CL_IMPORT_*), rows add up, every rejection names lines of the file, and no
 * value a rejection or an error shows carries a caller's e-mail address or phone number.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { CrmTicketEvent } from '../../../src/domain/types.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import type { ImportMapping } from '../../../src/import/mapping.ts';
import type { Rejection } from '../../../src/import/rows.ts';
import { importFile, type ImportResult } from '../../../src/import/run.ts';
import { check } from '../property/check.ts';
import { NOW } from './layout.ts';

/** Contact data the generators put in exports: none may show in a rejection or an error. */
export const CONTACTS = ['jane.doe@example.org', '410-555-0199', '+44 20 7946 0958'];

export type Outcome =
  | {
      readonly ok: true;
      readonly result: ImportResult;
      readonly events: readonly CrmTicketEvent[];
      readonly rejections: readonly Rejection[];
    }
  | { readonly ok: false; readonly error: CloseloopError };

let dir: string | null = null;
let n = 0;

export function cleanUp(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
}

/** Imports the bytes with the mapping; a thrown error that is not a CloseloopError fails the property. */
export async function importBytes(
  bytes: Buffer,
  mapping: ImportMapping,
  o: { readonly maxRecordChars?: number; readonly since?: number; readonly until?: number } = {},
): Promise<Outcome> {
  dir ??= mkdtempSync(path.join(tmpdir(), 'closeloop-import-property-'));
  const file = path.join(dir, `export-${(n += 1)}.csv`);
  writeFileSync(file, bytes);
  const events: CrmTicketEvent[] = [];
  const rejections: Rejection[] = [];
  try {
    const result = await importFile({
      file,
      mapping,
      sink: { prepare: (e) => e, send: async (batch) => void events.push(...batch) },
      batchSize: 7,
      now: NOW,
      ...o,
      onRejection: (r) => rejections.push(r),
    });
    return { ok: true, result, events, rejections };
  } catch (err) {
    check(err instanceof CloseloopError, 'an error that is not a CloseloopError escaped', String(err));
    check(/^CL_IMPORT_/.test(err.code), `an error of code ${err.code}`, err.message);
    return { ok: false, error: err };
  } finally {
    rmSync(file, { force: true });
  }
}

/** The lines a rejection covers: its row, to the last line its reason names as rejected with it. */
export function span(r: Rejection): [number, number] {
  const lines = /lines (\d+)-(\d+)/.exec(r.reason);
  return [r.row, lines ? Number(lines[2]) : r.row];
}

/** Checks every outcome passes, whatever the file held; `lines`: how many lines the file has. */
export function checkOutcome(o: Outcome, lines: number): void {
  if (!o.ok) {
    for (const c of CONTACTS) check(!o.error.message.includes(c), 'an error shows contact data', o.error.message);
    return;
  }
  const { result: r, events, rejections } = o;
  check(r.read === r.imported + r.rejected, 'read = imported + rejected', r);
  check(r.rejected === rejections.length, 'every rejection is told', { r, rejections });
  const closed = events.filter((e) => e.kind !== 'OPENED').length;
  check(events.length === r.events && r.imported === r.events - closed, 'one OPENED per imported row', r);
  check(r.imported - r.open === closed, 'a closing event per closed row', r);
  check(
    isDeepStrictEqual(r.rejections, rejections.slice(0, r.rejections.length)),
    'the result keeps the first rejections',
  );
  const ids = events.filter((e) => e.kind === 'OPENED').map((e) => e.ticketId);
  check(new Set(ids).size === ids.length, 'no ticket imported twice', ids);
  let previous = 0;
  for (const x of rejections) {
    const [first, last] = span(x);
    check(first >= 2 && last >= first && last <= lines, 'a rejection names lines of the file after the header', {
      x,
      lines,
    });
    check(first >= previous, 'rejections come in file order', { x, previous });
    previous = first;
    check(x.column !== '' && x.reason !== '', 'a rejection names its column and reason', x);
    for (const c of CONTACTS) check(!x.reason.includes(c), 'a rejection shows contact data', x);
  }
}
