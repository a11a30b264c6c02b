import { z } from 'zod';
import { callJson, HttpClient, lookupJson } from '../../src/sdk/index.ts';

const changeSchema = z.object({
  seq: z.number().int().positive(),
  at: z.number(),
  ticketId: z.string().min(1),
  kind: z.enum(['OPENED', 'UPDATED', 'DUPLICATE_DECLARED', 'CANCELLED']),
  actor: z.enum(['agent', 'integration']),
  serviceCode: z.string(),
  serviceName: z.string().nullable(),
  description: z.string().nullable(),
  requestedAt: z.number(),
  duplicateOf: z.string().nullable(),
  followUpOf: z.string().nullable(),
  closureReason: z.string().nullable(),
  note: z.string().nullable(),
  // Request facts a CRM may not have: absent is the same as unknown.
  channel: z.string().nullable().default(null),
  requestKind: z.enum(['service', 'information']).nullable().default(null),
  address: z.string().nullable().default(null),
  latitude: z.number().nullable().default(null),
  longitude: z.number().nullable().default(null),
  district: z.string().nullable().default(null),
  dueAt: z.number().nullable().default(null),
});

const pageSchema = z.object({ changes: z.array(changeSchema), nextCursor: z.number().int().min(0) });
// Only what reconciliation compares; the CRM's view has more, and contact data never comes here.
const ticketSchema = z.object({
  id: z.string().min(1),
  status: z.enum(['open', 'closed']),
  statusVersion: z.number().int().min(0),
  lifecycleState: z.string().nullable(),
  closureReason: z.string().nullable(),
  updatedAt: z.number().nullable().default(null),
});
const appliedSchema = z.object({ applied: z.boolean(), currentVersion: z.number().int().min(0) });

export type CrmChange = z.infer<typeof changeSchema>;
export type CrmPage = z.infer<typeof pageSchema>;
export type CrmTicketView = z.infer<typeof ticketSchema>;

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

/** The CRM's integration API. Every failure comes out classified: retriable or a data error. */
export class CrmClient {
  readonly #http: HttpClient;

  constructor(options: { baseUrl: string; token: string | undefined; timeoutMs: number }) {
    this.#http = new HttpClient({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    });
  }

  changes(after: number, limit: number): Promise<CrmPage> {
    return callJson(`reading CRM changes after ${after}`, pageSchema, () =>
      this.#http.get('/api/v1/referrals/changes', { params: { after, limit } }),
    );
  }

  putStatus(
    ticketId: string,
    update: CrmStatusUpdate,
    correlationId: string,
  ): Promise<{ applied: boolean; currentVersion: number }> {
    return callJson(`applying status v${update.version} to CRM ticket ${ticketId}`, appliedSchema, () =>
      this.#http.put(`/api/v1/tickets/${encodeURIComponent(ticketId)}/status`, update, {
        headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
      }),
    );
  }

  /** The ticket as the CRM holds it now; null when the CRM does not know it (404). */
  ticket(ticketId: string): Promise<CrmTicketView | null> {
    return lookupJson(`reading CRM ticket ${ticketId}`, ticketSchema, () =>
      this.#http.get(`/api/v1/tickets/${encodeURIComponent(ticketId)}`),
    );
  }

  /** The cheapest real call: one change from the start of the feed. */
  async ping(): Promise<void> {
    await this.changes(0, 1);
  }
}
