import { z } from 'zod';
import {
  callJson,
  CloseloopError,
  headerValue,
  HttpClient,
  instantIn,
  lookupJson,
  pathSegment,
  sendJson,
} from '../../src/sdk/index.ts';

/** A fact of a change as the CRM wrote it, read in changeSchema: absent is null. */
const asWritten = z
  .unknown()
  .optional()
  .transform((v): unknown => v ?? null);

const WHOLE = 'expected a whole number, or its digits as text';

/**
 * A whole number as a CRM writes it: a JSON number, or its digits in a string ("41"), as a CRM
 * whose ids are 64-bit integers writes them so that no JSON reader rounds them. A fraction, a
 * sign, any other text, and a number past 2^53 - 1 (which a JavaScript number would read as a
 * neighbour, another change's seq) are refused, each with what was expected.
 */
function wholeNumber(least: number) {
  const digits = z
    .string()
    .regex(/^\s*\d+\s*$/)
    .transform(Number);
  return z
    .union([z.number(), digits], { error: WHOLE })
    .pipe(
      z
        .number()
        .refine(Number.isInteger, { error: WHOLE, abort: true })
        .refine(Number.isSafeInteger, { error: 'expected a whole number no greater than 2^53 - 1', abort: true })
        .min(least, `expected a whole number of at least ${least}`),
    );
}

/** The fields of one change of the referral feed, before its dates and coordinates are read. */
const changeFields = z.object({
  seq: wholeNumber(1),
  at: z.unknown(),
  ticketId: z.string().min(1),
  kind: z.enum(['OPENED', 'UPDATED', 'DUPLICATE_DECLARED', 'CANCELLED']),
  // Only 'integration' matters (the bridge's own write, whose echo the processor ignores); any
  // other actor (an agent, a CRM workflow called "system", a portal) is the CRM's own change.
  actor: z.string(),
  serviceCode: z.string(),
  requestedAt: asWritten,
  // Nullable facts a CRM leaves out when empty, as Open311 JSON does: absent is null.
  serviceName: z.string().nullable().default(null),
  description: z.string().nullable().default(null),
  duplicateOf: z.string().nullable().default(null),
  followUpOf: z.string().nullable().default(null),
  closureReason: z.string().nullable().default(null),
  note: z.string().nullable().default(null),
  // Request facts a CRM may not have: absent is the same as unknown. The kind is an open
  // vocabulary ("Service", "complaint"), read in the mapping.
  channel: z.string().nullable().default(null),
  requestKind: z.string().nullable().default(null),
  address: z.string().nullable().default(null),
  latitude: asWritten,
  longitude: asWritten,
  district: z.string().nullable().default(null),
  dueAt: asWritten,
});

/** An optional fact the CRM wrote but the bridge cannot read: the change goes without it. */
export interface UnreadFact {
  readonly field: 'requestedAt' | 'dueAt' | 'latitude' | 'longitude';
  readonly value: unknown;
}

/** A coordinate: a number, or a plain decimal in a string ("39.29"), as some CRMs export them. */
function coordinate(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || !/^\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*$/.test(value)) return null;
  // Digits past a double's range read as Infinity, which names no place, as a number would not.
  const read = Number(value);
  return Number.isFinite(read) ? read : null;
}

/**
 * One change of the referral feed. What the bridge cannot do without (its position, ticket,
 * service, when it happened) and what it must not guess (a kind: a REOPENED change has no
 * canonical event, and taking it for an update would hide it) are required: a change without
 * them is dead-lettered, by itself. Everything else is taken as leniently as its meaning allows.
 * Dates are read as the SDK's instantIn reads them (epoch milliseconds or seconds, as numbers or
 * their digits, ISO 8601 with or without an offset, in the CRM's `timeZone`), so a fraction or epoch seconds are never
 * written as they came. An optional fact that cannot be read (a due date "next week") is taken as
 * none and listed in `unread`, for the source to say, rather than dead-lettering the change whose
 * kind the ticket needs.
 */
export function changeSchema(timeZone: string) {
  return changeFields
    .extend({
      at: z.unknown().transform((value, ctx) => {
        const at = instantIn(value, timeZone);
        if (at !== null) return at;
        ctx.addIssue({ code: 'custom', message: 'names no instant (epoch milliseconds or seconds, or ISO 8601)' });
        return z.NEVER;
      }),
    })
    .transform((c) => {
      const unread: UnreadFact[] = [];
      const read = (field: UnreadFact['field'], reader: (v: unknown) => number | null): number | null => {
        const value = c[field];
        if (value === null) return null;
        const got = reader(value);
        if (got === null) unread.push({ field, value });
        return got;
      };
      const date = (v: unknown) => instantIn(v, timeZone);
      return {
        ...c,
        requestedAt: read('requestedAt', date),
        dueAt: read('dueAt', date),
        latitude: read('latitude', coordinate),
        longitude: read('longitude', coordinate),
        unread,
      };
    });
}

// The page itself must be what the API promises; its changes are read one by one (readChanges),
// so one the bridge cannot read is dead-lettered instead of failing every poll.
// A nextCursor left out or null, as cursor-paged APIs answer their last page, is none: the page
// ends at its own last seq (see the source).
const pageSchema = z.object({ changes: z.array(z.unknown()), nextCursor: wholeNumber(0).nullish() });
/** A version as a whole number, or as the digits of one ("2"), as some CRMs write numbers. */
const versionSchema = wholeNumber(0);
/**
 * Only what reconciliation compares; the CRM's view has more, and contact data never comes here.
 * A 409 to a status update reads the version alone (heldSchema), so nothing else here can fail
 * it. The rest is read as leniently as its meaning allows, as a CRM written by others writes it:
 * a fact a CRM leaves out when empty, as Open311 JSON does, is null; an id may be a number; the
 * time of the last change is read as instantIn reads the feed's dates (epoch milliseconds or
 * seconds, ISO 8601 with or without an offset, in the CRM's `timeZone`), and one it cannot read
 * is unknown (null), as one left out is; the status is checked only where it is used
 * (ticketToObservation).
 */
function ticketSchema(timeZone: string) {
  return z.object({
    id: z.union([z.string().min(1), z.number().transform(String)]),
    status: z.string(),
    statusVersion: versionSchema,
    lifecycleState: z.string().nullable().default(null),
    closureReason: z.string().nullable().default(null),
    updatedAt: z
      .unknown()
      .optional()
      .transform((v) => (v === undefined || v === null ? null : instantIn(v, timeZone))),
  });
}
/** What a 409 to a status update needs of the ticket: the version the CRM holds, nothing else. */
const heldSchema = z.object({ statusVersion: versionSchema });
/**
 * The answer to a status update; its version is read as the view's is (versionSchema). Applied,
 * the update is done whatever version the CRM says it holds, so one that says none is taken; not
 * applied, only the version tells a repeat from an update held off, so it must say it.
 */
const appliedSchema = z.discriminatedUnion('applied', [
  z.object({ applied: z.literal(true), currentVersion: versionSchema.optional() }),
  z.object({ applied: z.literal(false), currentVersion: versionSchema }),
]);
export type CrmApplied = z.output<typeof appliedSchema>;

export type CrmChange = z.output<ReturnType<typeof changeSchema>>;
export type CrmPage = z.infer<typeof pageSchema>;
export type CrmTicketView = z.output<ReturnType<typeof ticketSchema>>;

export interface CrmStatusUpdate {
  readonly version: number;
  readonly status: 'open' | 'closed';
  readonly lifecycleState: string;
  readonly publicStatusCode: string;
  readonly statusNote: string;
  readonly expectedAt: number | null;
  readonly closureReason: string | null;
  readonly closureNote: string | null;
  readonly duplicateOf: string | null;
  readonly followUpOf: string | null;
  readonly agency: string | null;
  readonly priority: number;
}

/**
 * The CRM answered a status update without applying it and holds an older version: retriable (a
 * lock clears when the agent saves), so the sink retries and pauses, and a ticket still declined
 * after its delivery cycles is dead-lettered as CL_DELIVERY_EXHAUSTED with an alert. A lock
 * answered as an HTTP error (409 "being edited by another user", 423 Locked) carries its status
 * and the wait the CRM asked for (Retry-After), which the retries and the pause wait at least.
 */
export function notApplied(
  ticketId: string,
  version: number,
  currentVersion: number,
  answer: { readonly cause: unknown; readonly httpStatus: number; readonly retryAfterMs: unknown } | null = null,
): CloseloopError {
  const retryAfterMs = typeof answer?.retryAfterMs === 'number' ? answer.retryAfterMs : null;
  return new CloseloopError(
    'CL_CONNECTOR_NOT_APPLIED',
    `applying status v${version} to CRM ticket ${ticketId}: the CRM ` +
      `${answer ? `answered HTTP ${answer.httpStatus} (locked)` : 'answered applied: false'} and still holds v${currentVersion}`,
    {
      ...(answer ? { cause: answer.cause } : {}),
      details: {
        ticketId,
        version,
        currentVersion,
        ...(answer ? { httpStatus: answer.httpStatus } : {}),
        ...(retryAfterMs === null ? {} : { retryAfterMs }),
      },
    },
  );
}

/**
 * The CRM refused a status version past the one after the version it holds (its 409 to a gap): an
 * earlier status never reached it (dead-lettered, or lost by the CRM). Retrying cannot help until
 * that one is delivered, so the sink dead-letters it at once with an alert naming the ticket.
 */
export function outOfOrder(ticketId: string, version: number, held: number, cause: unknown): CloseloopError {
  const missing = held + 1 === version - 1 ? `v${held + 1}` : `v${held + 1} to v${version - 1}`;
  return new CloseloopError(
    'CL_CONNECTOR_OUT_OF_ORDER',
    `applying status v${version} to CRM ticket ${ticketId}: the CRM holds v${held} and refuses a gap (HTTP 409): ` +
      `${missing} must be delivered first`,
    { cause, details: { ticketId, version, currentVersion: held, httpStatus: 409 } },
  );
}

/** The CRM's integration API. Every failure comes out classified: retriable or a data error. */
export class CrmClient {
  readonly #http: HttpClient;
  readonly #ticketSchema: ReturnType<typeof ticketSchema>;

  constructor(options: {
    baseUrl: string;
    token: string | undefined;
    timeoutMs: number;
    maxResponseBytes?: number;
    /** Where the CRM's dates without an offset are read (a ticket's updatedAt). */
    timeZone?: string;
  }) {
    this.#ticketSchema = ticketSchema(options.timeZone ?? 'UTC');
    this.#http = new HttpClient({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    });
  }

  /** The change feed (and the health probe): a 4xx to it is the API's fault, never a record's. */
  changes(after: number, limit: number): Promise<CrmPage> {
    return callJson(`reading CRM changes after ${after}`, pageSchema, () =>
      this.#http.get('/api/v1/referrals/changes', { params: { after, limit }, about: 'api' }),
    );
  }

  /**
   * Null when the CRM took the update but its answer is empty (a 204): the bridge only logs what
   * it says, so the update counts as applied. A body that is not JSON is malformed (sendJson).
   * The correlation id, a department's own text, goes as x-correlation-id through headerValue.
   */
  putStatus(
    ticketId: string,
    update: CrmStatusUpdate,
    correlationId: string,
    signal?: AbortSignal,
  ): Promise<CrmApplied | null> {
    return sendJson(`applying status v${update.version} to CRM ticket ${ticketId}`, appliedSchema, () =>
      this.#http.put(`/api/v1/tickets/${pathSegment(ticketId)}/status`, update, {
        headers: { 'content-type': 'application/json', 'x-correlation-id': headerValue(correlationId) },
        ...(signal ? { signal } : {}),
      }),
    );
  }

  /** The ticket as the CRM holds it now; null when the CRM does not know it (404). */
  ticket(ticketId: string): Promise<CrmTicketView | null> {
    return lookupJson(`reading CRM ticket ${ticketId}`, this.#ticketSchema, () =>
      this.#http.get(`/api/v1/tickets/${pathSegment(ticketId)}`),
    );
  }

  /** The status version the CRM holds for the ticket; null when the CRM does not know it (404). */
  async heldVersion(ticketId: string): Promise<number | null> {
    const held = await lookupJson(`reading CRM ticket ${ticketId}`, heldSchema, () =>
      this.#http.get(`/api/v1/tickets/${pathSegment(ticketId)}`),
    );
    return held?.statusVersion ?? null;
  }

  /** The cheapest real call: one change from the start of the feed. */
  async ping(): Promise<void> {
    await this.changes(0, 1);
  }
}
