import type { z } from 'zod';
import { CloseloopError } from '../errors/index.ts';
import type { RejectedRecord, SourceRecord } from './connector.ts';

/** How a connector reads the changes of one page: its contract for one change, and its mapping. */
export interface ChangeReader<C, T> {
  /** What one change is called in messages, e.g. "CRM change". */
  readonly what: string;
  /** The system's contract for one change. */
  readonly schema: z.ZodType<C>;
  /**
   * Where a change sits in the feed, read from its raw JSON ("seq 42"), so an operator can find
   * it in the system. `index` is its place in the page, for a change whose own position is
   * unreadable too.
   */
  position(raw: unknown, index: number): string;
  /** Its ticket id, read from the raw JSON when it is there (the dead letter's key). */
  key(raw: unknown): string | null;
  /** The change as a record; null when it is not for the bridge (a work order no ticket made). */
  map(change: C): SourceRecord<T> | null;
}

/** A field of a raw change as text, when it is text or a number; null otherwise. */
export function rawField(raw: unknown, name: string): string | null {
  if (raw === null || typeof raw !== 'object') return null;
  const v = (raw as Record<string, unknown>)[name];
  if (typeof v === 'string' && v !== '') return v;
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}

/**
 * Reads a page's changes one by one, so that one change the connector cannot read becomes a
 * RejectedRecord (dead-lettered by the runner, the feed going on) instead of failing the page
 * and, with it, every poll after it. The error names the change (position and ticket) and each
 * field that failed, by zod's path, which is what an operator needs to find it and fix the
 * system or the connector. A change whose text holds U+FFFD (see garbledFields) is unreadable
 * too. Every connector goes through here, so the rule and the message are the same for all.
 */
export function readChanges<C, T>(
  raws: readonly unknown[],
  reader: ChangeReader<C, T>,
): { records: SourceRecord<T>[]; rejected: RejectedRecord[] } {
  const records: SourceRecord<T>[] = [];
  const rejected: RejectedRecord[] = [];
  raws.forEach((raw, index) => {
    const parsed = reader.schema.safeParse(raw);
    // Only what the contract reads is published: a field it drops may hold U+FFFD harmlessly.
    const garbled = parsed.success ? garbledFields(parsed.data, []) : [];
    if (parsed.success && garbled.length === 0) {
      const record = reader.map(parsed.data);
      // Its position goes with it: a value the topic's schema refuses is dead-lettered by it.
      if (record !== null) records.push({ position: reader.position(raw, index), ...record });
      return;
    }
    const position = reader.position(raw, index);
    const key = reader.key(raw);
    const issues = [
      ...(parsed.success ? [] : parsed.error.issues).map((i) => ({ path: i.path.join('.'), message: i.message })),
      ...garbled.map((path) => ({ path, message: GARBLED })),
    ];
    const fields = issues.map((i) => `${i.path === '' ? '(the change)' : i.path}: ${i.message}`).join('; ');
    const error = new CloseloopError(
      'CL_SOURCE_RECORD_INVALID',
      `${reader.what} ${position}${key === null ? '' : ` (ticket ${key})`} cannot be read: ${fields}`,
      { details: { position, fields: issues.map((i) => i.path) } },
    );
    rejected.push({ raw, error, position, key });
  });
  return { records, rejected };
}

const GARBLED = 'text with U+FFFD, bytes that were not text in the charset the answer declared';

/**
 * The paths of a read change's strings that hold U+FFFD. The SDK's client reads bytes that are not
 * text in an answer's charset (Windows-1252 under a UTF-8 label) as U+FFFD rather than failing
 * the whole page for one change; such a change is dead-lettered as unreadable, its raw JSON for a
 * person to read, instead of publishing a citizen's note with ’ or é lost.
 */
function garbledFields(value: unknown, path: readonly (string | number)[]): string[] {
  if (typeof value === 'string') return value.includes('\uFFFD') ? [path.join('.')] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => garbledFields(v, [...path, i]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => garbledFields(v, [...path, k]));
  return [];
}

/**
 * cursorProblem for a feed whose cursor is a number (a sequence, a watermark): digits only, as
 * the feed gives them. A cursor of another shape would be sent to the system as it is, and its
 * answer (a 400) taken for the system's fault.
 */
export function sequenceCursorProblem(cursor: string): string | null {
  return /^\d{1,15}$/.test(cursor) ? null : 'a sequence number, digits only (e.g. 1042)';
}

/**
 * cursorAdvances for a feed whose cursor is a number (a sequence, a watermark) and whose start is
 * `start`: the next cursor must be a number above the one given.
 */
export function sequenceAdvances(given: string | null, next: string, start = 0): boolean {
  const to = Number(next);
  return next.trim() !== '' && Number.isFinite(to) && to > (given === null ? start : Number(given));
}
