import { z } from 'zod';
import { callJson, HttpClient, instantIn, lookupJson, pathSegment, sendJson } from '../../src/sdk/index.ts';

/**
 * A job's status in POSSE. Cancelled is a closed job as much as Closed is (the outcome code says
 * what happened; this only says whether POSSE still counts the job open), so it is taken, not
 * dead-lettered. A status beyond these is not guessed at.
 */
const jobStatusSchema = z.enum(['Open', 'Closed', 'Cancelled']);

/**
 * When a process completed (or a job was made), as POSSE wrote it: epoch milliseconds or seconds,
 * a fraction of a millisecond, or ISO 8601 with or without an offset, in the forms the SDK's
 * instantIn reads. It is published as the event's occurredAt, an Avro long, so it is never taken
 * as it came: one that names no instant fails the change here, by itself (a dead letter naming
 * the field), and the rest is read in the mapping, in the connector's timeZone, as expectedAt is.
 * Whether a value names an instant does not depend on the zone, only which instant it names, so
 * it is checked without one and this schema stays the same for every connector instance.
 */
const instantWritten = z.custom<number | string>((v) => instantIn(v, 'UTC') !== null, {
  message: 'names no instant (epoch milliseconds or seconds, or ISO 8601)',
});

/**
 * The ticket or external reference of a change: none (absent, null or empty) on a job no 311
 * ticket made, such as a permit or a department's own case, which the feed lists too.
 */
const ticketRef = z
  .string()
  .nullish()
  .transform((v) => (v ? v : null));

const changeFields = z.object({
  seq: z.number().int().positive(),
  at: instantWritten,
  jobId: z.string().min(1),
  externalRef: ticketRef,
  ticketId: ticketRef,
  department: z.string().min(1),
  outcome: z.string().min(1),
  outcomeLabel: z.string(),
  jobStatus: jobStatusSchema,
  note: z.string().nullable().default(null),
  // Only when the job is expected done, which the citizen is shown: the outcome is what the ticket
  // cannot do without (a Closed job is its closure), so a date that names no instant is taken as
  // none rather than dead-lettering the whole change and leaving the ticket open for it. It is
  // read later, not here, so that the source can say which value it could not read.
  expectedAt: z
    .unknown()
    .optional()
    .transform((v): unknown => v ?? null),
});

/**
 * One completed process in the change feed. Its position, time, job and outcome code are
 * required: a change without them is dead-lettered, by itself. A change with no ticket is of a
 * job no 311 ticket made, not for the bridge (the feed passes over it); one with a ticket must
 * name the work order too, which its event is routed by. The note and the expected date are
 * optional facts (absent is null). The time and the expected date are kept as POSSE wrote them
 * and read in the mapping (the SDK's instantIn), in the connector's timeZone where they have no
 * offset: a plain date, as POSSE's scheduling screens keep it, or a local time.
 */
export const changeSchema = changeFields.superRefine((c, ctx) => {
  if (c.ticketId !== null && c.externalRef === null)
    ctx.addIssue({ code: 'custom', path: ['externalRef'], message: 'a change of a 311 ticket names its work order' });
});
// The page itself must be what the API promises; its changes are read one by one (readChanges),
// so one the bridge cannot read is dead-lettered instead of failing every poll.
const pageSchema = z.object({ changes: z.array(z.unknown()), watermark: z.number().int().min(0) });
/**
 * What a write's answer must be: JSON, any JSON. The bridge learns nothing from it (later commands
 * find a job by its external reference), so a POSSE that answers a create 201 `{"id": ...}` or a
 * review 202 `{"reviewRequestId": ...}` took the write as surely as one answering `{"jobId": ...}`:
 * refusing it as malformed would send the write again and again (a CREATE carries no
 * Idempotency-Key), each one applied. Only a body that is no JSON (a proxy's page) is malformed.
 */
const writeAnswerSchema = z.unknown();
/** The answer POSSE documents for its writes; another one is taken, with a warning (see answerShape). */
const jobSchema = z.object({ jobId: z.string() }).loose();

/**
 * Null when a write's answer is the job POSSE documents; else what it is instead, by its shape
 * only (its field names, never their values), for the warning that the write was taken anyway.
 */
export function answerShape(answer: unknown): string | null {
  if (jobSchema.safeParse(answer).success) return null;
  if (answer === null || typeof answer !== 'object') return `a JSON ${answer === null ? 'null' : typeof answer}`;
  if (Array.isArray(answer)) return 'a JSON array';
  const fields = Object.keys(answer);
  const named = fields.slice(0, 10).map((f) => (f.length > 40 ? `${f.slice(0, 39)}…` : f));
  return `an object with ${fields.length === 0 ? 'no fields' : `fields ${named.join(', ')}${fields.length > 10 ? ', …' : ''}`}`;
}
// The job's current state: the last process it completed, with the same fields as a change.
const jobViewSchema = z.object({
  jobId: z.string().min(1),
  externalRef: z.string().min(1),
  ticketId: z.string().min(1),
  department: z.string().min(1),
  status: jobStatusSchema,
  createdAt: instantWritten,
  lastProcess: changeFields
    .pick({ outcome: true, outcomeLabel: true, at: true, note: true, expectedAt: true })
    .nullable(),
});

/**
 * One note as a job view lists it: its text, or, as most systems list notes, an object with the
 * text beside its author and time (under `text`, `note` or `body`).
 */
const noteSchema = z.union([
  z.string(),
  z
    .object({ text: z.string() })
    .loose()
    .transform((n) => n.text),
  z
    .object({ note: z.string() })
    .loose()
    .transform((n) => n.note),
  z
    .object({ body: z.string() })
    .loose()
    .transform((n) => n.body),
]);
// Only the notes: a POSSE whose job view does not list them (left out or null) gives none.
const jobNotesSchema = z.object({ notes: z.array(noteSchema).nullish() }).loose();

export type PosseChange = z.infer<typeof changeSchema>;
export type PosseJobView = z.infer<typeof jobViewSchema>;

export interface NewJob {
  readonly externalRef: string;
  readonly ticketId: string;
  readonly department: string;
  readonly serviceCode: string | null;
  readonly description: string | null;
  readonly priority: number;
}

/**
 * The POSSE-like system's API. Every failure comes out classified: retriable or a data error.
 * The writes' answers are not needed (later commands find a job by its external reference, not
 * its job id), so a write answered 2xx is done whatever JSON it answers (see writeAnswerSchema),
 * and one with no body is null: done too (one whose body is not JSON is malformed, as sendJson
 * says).
 */
export class PosseClient {
  readonly #http: HttpClient;

  constructor(options: { baseUrl: string; token: string | undefined; timeoutMs: number; maxResponseBytes?: number }) {
    this.#http = new HttpClient({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
    });
  }

  /** The change feed (and the health probe): a 4xx to it is the API's fault, never a record's. */
  changes(since: number, limit: number) {
    return callJson(`reading POSSE changes since ${since}`, pageSchema, () =>
      this.#http.get('/posse/api/changes', { params: { since, limit }, about: 'api' }),
    );
  }

  /** A job by the bridge's work-order id (its external reference); null when POSSE has none (404). */
  job(ref: string) {
    return lookupJson(`reading POSSE job ${ref}`, jobViewSchema, () =>
      this.#http.get(`/posse/api/jobs/${pathSegment(ref)}`),
    );
  }

  createJob(job: NewJob, signal?: AbortSignal) {
    return sendJson(`creating the POSSE job for ${job.externalRef}`, writeAnswerSchema, () =>
      this.#http.post('/posse/api/jobs', job, stoppedBy(signal)),
    );
  }

  cancel(ref: string, reason: string | null, signal?: AbortSignal) {
    return sendJson(`cancelling POSSE job ${ref}`, writeAnswerSchema, () =>
      this.#http.post(`/posse/api/jobs/${pathSegment(ref)}/cancel`, { reason }, stoppedBy(signal)),
    );
  }

  setPriority(ref: string, priority: number, signal?: AbortSignal) {
    return sendJson(`setting priority of POSSE job ${ref}`, writeAnswerSchema, () =>
      this.#http.put(`/posse/api/jobs/${pathSegment(ref)}/priority`, { priority }, stoppedBy(signal)),
    );
  }

  /**
   * The notes and review requests are not idempotent by nature: each POST adds one. The command
   * id goes as the `Idempotency-Key` header, which a POSSE that honours it answers a repeat of
   * with the first result, and in the body, where the job's history keeps it.
   */
  addNote(ref: string, note: string, commandId: string, signal?: AbortSignal) {
    return sendJson(`adding a note to POSSE job ${ref}`, writeAnswerSchema, () =>
      this.#http.post(`/posse/api/jobs/${pathSegment(ref)}/notes`, { note, commandId }, keyed(commandId, signal)),
    );
  }

  review(ref: string, commandId: string, signal?: AbortSignal) {
    return sendJson(`asking POSSE to review job ${ref}`, writeAnswerSchema, () =>
      this.#http.post(`/posse/api/jobs/${pathSegment(ref)}/review`, { commandId }, keyed(commandId, signal)),
    );
  }

  /**
   * The texts of a job's notes, as its job view lists them; null when the view lists none (a
   * POSSE that does not show notes) or there is no such job.
   */
  async notes(ref: string, signal?: AbortSignal): Promise<readonly string[] | null> {
    const job = await lookupJson(`reading the notes of POSSE job ${ref}`, jobNotesSchema, () =>
      this.#http.get(`/posse/api/jobs/${pathSegment(ref)}`, stoppedBy(signal)),
    );
    return job?.notes ?? null;
  }
}

/**
 * The sink runner's signal on a write: a stop ends the call at once, rather than waiting up to
 * timeoutMs for a write that could land after the partition's next owner delivered it again.
 */
const stoppedBy = (signal: AbortSignal | undefined) => (signal ? { signal } : {});
const keyed = (commandId: string, signal: AbortSignal | undefined) => ({
  headers: { 'idempotency-key': commandId },
  ...stoppedBy(signal),
});
