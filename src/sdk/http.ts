import type { z } from 'zod';
import { CloseloopError } from '../errors/index.ts';
import type { Health } from './connector.ts';
import { bounded, classifyHttpError, malformedResponse } from './errors.ts';
import type { HttpAnswer } from './http-client.ts';

/**
 * One call to an external system's JSON API: failures classified by classifyHttpError, the body
 * parsed and checked against the system's contract (malformedResponse when it does not fit; one
 * that does not parse is named by its content type and encoding, never its body). `request` must
 * return the raw body text and, as the SDK's HttpClient does, its content type and encoding.
 */
export async function callJson<T>(what: string, schema: z.ZodType<T>, request: () => Promise<HttpAnswer>): Promise<T> {
  let answer: HttpAnswer;
  try {
    answer = await request();
  } catch (err) {
    throw classifyHttpError(err, what);
  }
  let json: unknown;
  try {
    json = JSON.parse(withoutBom(answer.data));
  } catch {
    const shown = `not JSON (${arrived(answer)})`;
    throw malformedResponse(what, shown, shown);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const { issues } = parsed.error;
    // The fields only for the operator: a message of a custom check could quote the value.
    const fields = [...new Set(issues.map((i) => i.path.join('.') || '(the answer)'))].slice(0, 5).join(', ');
    throw malformedResponse(
      what,
      issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      `does not match the contract at ${fields}`,
    );
  }
  return parsed.data;
}

/**
 * What an answer that is not JSON says it is, for the operator to tell an HTML login page from a
 * gzip body or an empty one: its content type and encoding, never its body, which may echo what
 * the bridge sent.
 */
function arrived(answer: HttpAnswer): string {
  if (answer.data.trim() === '') return 'no body';
  const type = answer.contentType ? bounded(answer.contentType) : 'no content-type';
  return answer.contentEncoding ? `${type}, ${bounded(answer.contentEncoding)}-encoded` : type;
}

/**
 * The text without a leading byte-order mark: .NET and IIS stacks often start their JSON with
 * one, which RFC 8259 (8.1) lets a parser ignore and JSON.parse refuses.
 */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * callJson for a write whose answer the connector does not need (it learns nothing from it, e.g.
 * no id): a 2xx with no body (a 204, or blanks) means the system took the write, so it is null
 * rather than a malformed response; the caller logs a warning for null. A body that is there but
 * is not JSON is no answer of the system's: a proxy or firewall in front of it answers 200 with
 * an HTML page ("Service temporarily unavailable") for a write the system never saw. That, like
 * a body that parses but breaks the contract, is a malformed answer (retriable: retried, then the
 * sink pauses until the system answers its probe), never done. Every other failure (a status
 * outside 2xx, a time-out) stays classified as callJson classifies it.
 */
export async function sendJson<T>(
  what: string,
  schema: z.ZodType<T>,
  request: () => Promise<HttpAnswer>,
): Promise<T | null> {
  // Set only once the system's whole answer is in: one refused before that (too long, cut off)
  // is no blank answer, whatever was read of it.
  let body: string | null = null;
  const answer = await callJson(what, schema, async () => {
    const raw = await request();
    body = raw.data;
    return raw;
  }).catch((err: unknown) => {
    const blank = body !== null && body.trim() === '';
    if (err instanceof CloseloopError && err.code === 'CL_CONNECTOR_MALFORMED' && blank) return null;
    throw err;
  });
  return answer;
}

/**
 * callJson for reading one item: a 404 is the system saying it does not know the item, so it is
 * null (missing), while every other failure stays classified as callJson classifies it (a 404 to
 * a call marked about the API is the API missing, not the item).
 */
export async function lookupJson<T>(
  what: string,
  schema: z.ZodType<T>,
  request: () => Promise<HttpAnswer>,
): Promise<T | null> {
  try {
    return await callJson(what, schema, request);
  } catch (err) {
    if (err instanceof CloseloopError && err.code === 'CL_CONNECTOR_REJECTED' && err.details['httpStatus'] === 404)
      return null;
    throw err;
  }
}

/**
 * Health from a cheap real call: up when it answers, down with the reason otherwise, and with
 * the Retry-After the system answered, so the runner probes no sooner.
 */
export async function healthFrom(probe: () => Promise<unknown>): Promise<Health> {
  try {
    await probe();
    return { status: 'up' };
  } catch (err) {
    const retryAfterMs = err instanceof CloseloopError ? err.details['retryAfterMs'] : undefined;
    return {
      status: 'down',
      detail: err instanceof Error ? err.message : String(err),
      ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
    };
  }
}
