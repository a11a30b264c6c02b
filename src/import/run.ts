import { stat } from 'node:fs/promises';
import { monthOfInstant } from '../domain/kpi/index.ts';
import type { CrmTicketEvent } from '../domain/types.ts';
import { CloseloopError, messageOf } from '../errors/index.ts';
import { MAX_RECORD_BYTES } from '../messaging/index.ts';
import { readExport } from './csv.ts';
import type { ImportMapping } from './mapping.ts';
import { RejectionReport, shown, type RejectionGroup } from './report.ts';
import { compileMapping, mapRow, type Rejection } from './rows.ts';
import { RuleTally, type RuleCounts } from './rule-use.ts';

/**
 * Where the events go. Each event is prepared (encoded) as soon as its row is read, so a batch
 * holds only what is sent, and the row's objects die young instead of piling up for the
 * collector while the batch fills.
 */
export interface EventSink<T> {
  prepare(event: CrmTicketEvent): Promise<T> | T;
  /** The bytes a prepared event takes as a Kafka message; without it, sizes are not checked. */
  bytes?(prepared: T): number;
  /** One batch, in file order; the next is not sent before this one resolves. */
  send(batch: readonly T[]): Promise<void>;
}

export interface ImportRun<T> {
  readonly file: string;
  readonly mapping: ImportMapping;
  /** Only rows opened at or after this instant (epoch ms). */
  readonly since?: number | undefined;
  /** Only rows opened before this instant. */
  readonly until?: number | undefined;
  /** Where the events go, in file order, a batch at a time; null for a dry run. */
  readonly sink: EventSink<T> | null;
  /** Called now and then with the bytes read so far and the file's size. */
  readonly onProgress?: (bytesRead: number, size: number) => void;
  readonly batchSize?: number;
  /** Called with the OPENED event of every imported ticket the export shows open. */
  readonly onOpen?: (opened: CrmTicketEvent) => void;
  /** A dry run's measure of an event as the real run would encode it; without it, not checked. */
  readonly measure?: (event: CrmTicketEvent) => number;
  /** The largest message an event may become; larger rows are rejected. MAX_EVENT_BYTES by default. */
  readonly maxEventBytes?: number;
  /** The most characters a row may hold (MAX_RECORD_CHARS by default). */
  readonly maxRecordChars?: number;
  /** Called with every rejection, in file order: the whole report, for a file. */
  readonly onRejection?: (r: Rejection) => void;
  /** How many rejections the result keeps in full (KEPT_REJECTIONS by default). */
  readonly keepRejections?: number;
  /** The run time no open or close time may lie after, beyond maxFutureMs (Date.now() by default). */
  readonly now?: number;
  /** The config's processor.ordering.maxFutureMs, which the processor judges event times by. */
  readonly maxFutureMs?: number;
}

/** Whether a row opened at this time is left out by --since/--until; one of unknown time is not. */
function outsideWindow(openedAt: number | null, o: ImportRun<unknown>): boolean {
  return (
    openedAt !== null &&
    ((o.since !== undefined && openedAt < o.since) || (o.until !== undefined && openedAt >= o.until))
  );
}

/**
 * The record limit the rest of closeloop writes under (below the broker's default
 * message.max.bytes): a larger event would be refused by the broker mid-batch, after part of the
 * batch was written, with no row named. Checked as each row is encoded, in a dry run as in a real one.
 */
export const MAX_EVENT_BYTES = MAX_RECORD_BYTES;

export interface ImportResult {
  /** Rows inside the --since/--until window (all rows without one): always imported + rejected. */
  readonly read: number;
  readonly imported: number;
  readonly rejected: number;
  /** Rows whose open time lies outside the window; neither read nor rejected. */
  readonly outside: number;
  /** Of the imported rows, those still open in the export. */
  readonly open: number;
  readonly events: number;
  /** Imported rows per month of their open time (YYYY-MM in the export's zone), in month order. */
  readonly months: ReadonlyMap<string, number>;
  /** The first rejections (of `rejected`), in file order; onRejection is given them all. */
  readonly rejections: readonly Rejection[];
  /** Every rejection counted by column and kind of reason, most first. */
  readonly rejectionsByReason: readonly RejectionGroup[];
  /** How often each of the mapping's closure, duplicateOf and channel rules gave the imported rows their meaning. */
  readonly rules: RuleCounts;
  readonly seconds: number;
}

/**
 * Streams a city's export through its mapping: each row becomes its CRM events or a rejection,
 * never both. Memory holds the batch being sent, the encoded batch being filled, the ticket
 * ids seen (to reject a ticket the file lists twice) and a bounded reject report, so a big
 * city's year fits.
 */
export async function importFile<T>(o: ImportRun<T>): Promise<ImportResult> {
  const started = performance.now();
  const c = compileMapping(o.mapping, { now: o.now, maxFutureMs: o.maxFutureMs });
  const size = (await stat(o.file).catch((err: unknown) => unreadable(o.file, err))).size;
  const seen = new Map<string, number>();
  const monthOf = monthOfInstant();
  const months = new Map<string, number>();
  const report = new RejectionReport(o.keepRejections);
  const tally = new RuleTally(o.mapping);
  const reject = (r: Rejection) => {
    report.add(r);
    o.onRejection?.(r);
  };
  let batch: T[] = [];
  const sink = o.sink;
  let read = 0;
  let imported = 0;
  let outside = 0;
  let open = 0;
  let events = 0;
  // One batch is sent while the next is read: the two overlap, and the sends stay one after
  // another, which an idempotent producer needs to keep its sequence numbers in order.
  let sending: Promise<void> = Promise.resolve();
  const flush = async () => {
    await sending;
    if (batch.length > 0 && sink) {
      sending = sink.send(batch);
      // Handled here so a failure is not unhandled while the next batch is read; awaited next.
      sending.catch(() => undefined);
    }
    batch = [];
  };
  try {
    for await (const record of readExport(o.file, o.mapping, { maxRecordChars: o.maxRecordChars })) {
      if (!record.ok) {
        if (outsideWindow(record.openedAt, o)) {
          outside += 1;
          continue;
        }
        read += 1;
        reject(record.rejection);
        continue;
      }
      const { row } = record;
      const r = mapRow(c, record.values, row);
      // A row opened outside the window is left out whether or not it maps: its faults are not
      // this import's. One whose open time cannot be read cannot be placed, and is rejected.
      if (outsideWindow(r.ok ? r.row.openedAt : r.openedAt, o)) {
        outside += 1;
        continue;
      }
      read += 1;
      if (!r.ok) {
        reject(r.rejection);
        continue;
      }
      const first = seen.get(r.row.ticketId);
      if (first !== undefined) {
        const column = [o.mapping.columns.ticketId].flat().join('|');
        reject({ row, column, reason: `ticket ${shown(r.row.ticketId)} is already on row ${first}` });
        continue;
      }
      const prepared: T[] = [];
      if (sink) for (const e of r.row.events) prepared.push(await sink.prepare(e));
      const tooLarge = oversize(r.row.events, prepared, o, sink);
      if (tooLarge) {
        reject({ row, column: longestColumn(record.values), reason: tooLarge });
        continue;
      }
      seen.set(r.row.ticketId, row);
      imported += 1;
      tally.add(r.row.use);
      const month = monthOf(r.row.openedAt, o.mapping.timeZone);
      months.set(month, (months.get(month) ?? 0) + 1);
      if (!r.row.closed) {
        open += 1;
        const opened = r.row.events[0];
        if (opened) o.onOpen?.(opened);
      }
      events += r.row.events.length;
      // A dry run holds nothing: it counts.
      for (const p of prepared) batch.push(p);
      if (batch.length >= (o.batchSize ?? 5_000) || (!sink && imported % 5_000 === 0)) {
        await flush();
        o.onProgress?.(record.bytes, size);
      }
    }
  } catch (err) {
    throw await failedPart(err, o.file, sink ? imported : 0, async () => {
      await flush();
      await sending;
    });
  }
  await flush();
  await sending;
  o.onProgress?.(size, size);
  return {
    read,
    imported,
    rejected: report.count,
    outside,
    open,
    events,
    months: new Map([...months].sort(([a], [b]) => (a < b ? -1 : 1))),
    rejections: report.kept,
    rejectionsByReason: report.groups(),
    rules: tally.counts(),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The failure of an import part way (a read error, the registry refusing an event): the rows
 * read before it are sent, not dropped with the unsent batch, and the message says how many
 * were imported, so nobody takes the import for nothing done, or for all of it. Sending them
 * again on the next run changes nothing (event ids are the rows').
 */
async function failedPart(err: unknown, file: string, imported: number, send: () => Promise<void>): Promise<Error> {
  const failure = err instanceof CloseloopError ? err : unreadableError(file, err);
  if (imported === 0) return failure;
  try {
    await send();
  } catch {
    // A send that failed is the failure told, or came after it: what was imported is unknown.
    return failure;
  }
  return new CloseloopError(
    failure.code,
    `${failure.message}; the ${imported} row(s) imported before it are published`,
    {
      cause: failure.cause ?? err,
      details: { ...failure.details, imported },
    },
  );
}

function unreadableError(file: string, err: unknown): CloseloopError {
  return new CloseloopError('CL_IMPORT_UNREADABLE', `${file}: ${messageOf(err)}`, { cause: err });
}

function unreadable(file: string, err: unknown): never {
  throw new CloseloopError('CL_IMPORT_UNREADABLE', `${file}: ${messageOf(err)}`, { cause: err });
}

/** Why a row's events are too large to publish, or null when they fit (or cannot be measured). */
function oversize<T>(
  events: readonly CrmTicketEvent[],
  prepared: readonly T[],
  o: ImportRun<T>,
  sink: EventSink<T> | null,
): string | null {
  const limit = o.maxEventBytes ?? MAX_EVENT_BYTES;
  for (const [i, e] of events.entries()) {
    const p = prepared[i];
    const bytes = sink?.bytes && p !== undefined ? sink.bytes(p) : o.measure?.(e);
    if (bytes !== undefined && bytes > limit) {
      return `its ${e.kind} event encodes to ${bytes} bytes, over the ${limit} a Kafka message may take`;
    }
  }
  return null;
}

/** The column with the longest value: what makes a row too large. */
function longestColumn(values: Readonly<Record<string, string>>): string {
  let longest = '';
  let length = -1;
  for (const [column, value] of Object.entries(values)) {
    if (value.length > length) [longest, length] = [column, value.length];
  }
  return longest;
}
