import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { classifyHttpError, malformedResponse } from '../../src/sdk/index.ts';

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
});

const pageSchema = z.object({ changes: z.array(changeSchema), nextCursor: z.number().int().min(0) });
const appliedSchema = z.object({ applied: z.boolean(), currentVersion: z.number().int().min(0) });

export type CrmChange = z.infer<typeof changeSchema>;
export type CrmPage = z.infer<typeof pageSchema>;

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
  readonly #http: AxiosInstance;

  constructor(options: { baseUrl: string; token: string | undefined; timeoutMs: number }) {
    this.#http = axios.create({
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      // The body is parsed here, so a garbled one is reported as such rather than as a string.
      transformResponse: [(data: unknown) => data],
      responseType: 'text',
    });
  }

  async changes(after: number, limit: number): Promise<CrmPage> {
    const what = `reading CRM changes after ${after}`;
    const body = await this.#call(what, () =>
      this.#http.get<string>('/api/v1/referrals/changes', { params: { after, limit } }),
    );
    return parse(pageSchema, body, what);
  }

  async putStatus(ticketId: string, update: CrmStatusUpdate): Promise<{ applied: boolean; currentVersion: number }> {
    const what = `applying status v${update.version} to CRM ticket ${ticketId}`;
    const body = await this.#call(what, () =>
      this.#http.put<string>(`/api/v1/tickets/${encodeURIComponent(ticketId)}/status`, update, {
        headers: { 'content-type': 'application/json' },
        transformRequest: [(d: unknown) => JSON.stringify(d)],
      }),
    );
    return parse(appliedSchema, body, what);
  }

  async ping(): Promise<void> {
    await this.#call('checking the CRM', () =>
      this.#http.get<string>('/api/v1/referrals/changes', { params: { after: 0, limit: 1 } }),
    );
  }

  async #call(what: string, request: () => Promise<{ data: string }>): Promise<string> {
    try {
      return (await request()).data;
    } catch (err) {
      throw classifyHttpError(err, what);
    }
  }
}

function parse<T>(schema: z.ZodType<T>, body: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw malformedResponse(what, 'not JSON');
  }
  const result = schema.safeParse(json);
  if (!result.success)
    throw malformedResponse(what, result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return result.data;
}
