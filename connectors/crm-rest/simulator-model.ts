import { z } from 'zod';

/** The CRM simulator's records and the request bodies it accepts, apart from its behaviour. */

export interface Contact {
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
}

/** What the CRM records of the request itself: public facts, never the requester's contact. */
export interface RequestFacts {
  /** The CRM's own channel name, e.g. "Phone", "Web", "Mobile App". */
  readonly channel: string | null;
  readonly requestKind: 'service' | 'information';
  readonly address: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly district: string | null;
  readonly dueAt: number | null;
}

/** A request's facts, copied: from a new ticket's input to the ticket, from a ticket to its change. */
export const requestFacts = (t: RequestFacts): RequestFacts => ({
  channel: t.channel,
  requestKind: t.requestKind,
  address: t.address,
  latitude: t.latitude,
  longitude: t.longitude,
  district: t.district,
  dueAt: t.dueAt,
});

export interface CrmTicket extends RequestFacts {
  readonly id: string;
  readonly serviceCode: string;
  readonly serviceName: string | null;
  readonly description: string | null;
  readonly requestedAt: number;
  readonly contact: Contact | null;
  readonly duplicateOf: string | null;
  readonly followUpOf: string | null;
  status: 'open' | 'closed';
  lifecycleState: string;
  statusNote: string | null;
  expectedAt: number | null;
  closureReason: string | null;
  agency: string | null;
  priority: number;
  statusVersion: number;
  /** When anyone last changed the ticket: the bridge's status updates and agents' edits alike. */
  updatedAt: number;
}

export type ChangeKind = 'OPENED' | 'UPDATED' | 'DUPLICATE_DECLARED' | 'CANCELLED';

/** One entry of the change feed; `actor: integration` marks the bridge's own writes. */
export interface Change extends RequestFacts {
  readonly seq: number;
  readonly at: number;
  readonly ticketId: string;
  readonly kind: ChangeKind;
  readonly actor: 'agent' | 'integration';
  readonly serviceCode: string;
  readonly serviceName: string | null;
  readonly description: string | null;
  readonly requestedAt: number;
  readonly duplicateOf: string | null;
  readonly followUpOf: string | null;
  readonly closureReason: string | null;
  readonly note: string | null;
}

/** A copy of the CRM's tickets at one moment, to restore later (statuses and versions go back). */
export interface CrmBackup {
  readonly takenAt: number;
  readonly tickets: readonly CrmTicket[];
  /** The change feed's latest seq when it was taken, for a restore that takes the feed back too. */
  readonly feedSeq: number;
}

export interface AppliedUpdate {
  readonly ticketId: string;
  readonly version: number;
  readonly status: 'open' | 'closed';
  readonly lifecycleState: string;
  readonly statusNote: string;
  readonly closureReason: string | null;
  readonly duplicateOf: string | null;
  readonly followUpOf: string | null;
  readonly at: number;
  /** The bridge's trace id of the update (X-Correlation-Id), as a CRM's access log keeps it. */
  readonly correlationId: string | null;
}

export const statusUpdateSchema = z
  .object({
    version: z.number().int().positive(),
    status: z.enum(['open', 'closed']),
    lifecycleState: z.string().min(1),
    publicStatusCode: z.string().min(1),
    statusNote: z.string().min(1),
    expectedAt: z.number().nullable(),
    closureReason: z.string().nullable(),
    closureNote: z.string().nullable(),
    duplicateOf: z.string().nullable(),
    followUpOf: z.string().nullable(),
    agency: z.string().nullable(),
    priority: z.number().int().min(1).max(5),
  })
  .strict()
  .refine((u) => (u.status === 'closed') === (u.closureReason !== null), {
    message: 'a closed status needs a closure reason, an open one none',
  });

/**
 * A CRM's refusal of a note longer than its column, as `statusNote: at most 40 characters`
 * (counted as JavaScript counts a string's length); null when each fits or there is no limit.
 */
export function noteTooLong(
  u: { readonly statusNote: string; readonly closureNote: string | null },
  max: number | undefined,
): string | null {
  if (max === undefined) return null;
  const field = u.statusNote.length > max ? 'statusNote' : (u.closureNote?.length ?? 0) > max ? 'closureNote' : null;
  return field && `${field}: at most ${max} characters`;
}

export const newTicketSchema = z
  .object({
    serviceCode: z.string().min(1),
    serviceName: z.string().nullable().default(null),
    description: z.string().nullable().default(null),
    contact: z
      .object({ name: z.string(), email: z.string().nullable(), phone: z.string().nullable() })
      .nullable()
      .default(null),
    duplicateOf: z.string().nullable().default(null),
    followUpOf: z.string().nullable().default(null),
    requestedAt: z.number().optional(),
    channel: z.string().min(1).nullable().default(null),
    requestKind: z.enum(['service', 'information']).default('service'),
    address: z.string().nullable().default(null),
    latitude: z.number().min(-90).max(90).nullable().default(null),
    longitude: z.number().min(-180).max(180).nullable().default(null),
    district: z.string().nullable().default(null),
    dueAt: z.number().nullable().default(null),
  })
  .strict();
