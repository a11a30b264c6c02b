import type { z } from 'zod';
import type { Health } from './connector.ts';
import { classifyHttpError, malformedResponse } from './errors.ts';

/**
 * One call to an external system's JSON API: failures classified by classifyHttpError, the body
 * parsed and checked against the system's contract (malformedResponse when it does not fit).
 * `request` must return the raw body text (axios with responseType 'text').
 */
export async function callJson<T>(
  what: string,
  schema: z.ZodType<T>,
  request: () => Promise<{ data: string }>,
): Promise<T> {
  let body: string;
  try {
    body = (await request()).data;
  } catch (err) {
    throw classifyHttpError(err, what);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw malformedResponse(what, 'not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw malformedResponse(what, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** Health from a cheap real call: up when it answers, down with the reason otherwise. */
export async function healthFrom(probe: () => Promise<unknown>): Promise<Health> {
  try {
    await probe();
    return { status: 'up' };
  } catch (err) {
    return { status: 'down', detail: err instanceof Error ? err.message : String(err) };
  }
}
