import { scrubPii } from '../domain/pii.ts';

/**
 * What of a system's refusal may be told on: the reason it gives, in a form safe for a dead
 * letter's message and the logs. A module of its own beside http-client.ts, which makes the calls.
 */

/** How long the excerpt of a refusal's body in an error message may be, in characters. */
export const EXCERPT_CHARS = 300;

// The fields systems put their reason in, in the order they read best: "VALIDATION: lifecycleState
// ... is not known". Only these: the rest of an error body may echo what the bridge sent.
const REASON_FIELDS = ['error', 'title', 'message', 'detail', 'description', 'error_description', 'reasonCode'];
// Maximo's {"Error": {"message": ...}}, and nested {"error": {"message": ...}}.
const NESTED_FIELDS = ['Error', 'error'];
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;
const CREDENTIAL =
  /\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]+|\b(?:api[-_]?key|token|access_token|password|secret)\b\s*[:=]\s*"?[^\s",;&]+/gi;

/**
 * The system's own reason for a refusal, to go with its status into the error (and so into a dead
 * letter's message and the logs): the reason fields of a JSON body, or the text of any other body
 * (an HTML page's without its markup). Contact data is scrubbed (scrubPii), anything shaped like a
 * credential and every value in `secrets` (the bridge's own headers) blanked, control characters
 * made spaces, and the whole cut to EXCERPT_CHARS. A JSON body without a reason field gives none:
 * what else it holds may be the request echoed back. Undefined when there is nothing to say.
 */
export function reasonExcerpt(body: string, secrets: readonly string[] = []): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  let reason = jsonReason(text);
  if (reason === null) return undefined;
  reason ??= /^<|<\/?(?:html|body|h1|p|div|title)\b/i.test(text) ? htmlText(text) : text;
  // Cut before scrubbing so the scrubber's cost stays bounded; scrub before the final cut.
  let out = reason.slice(0, EXCERPT_CHARS * 4).replace(CONTROL, ' ');
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  out = scrubPii(out.replace(CREDENTIAL, '[redacted]')).replace(/\s+/g, ' ').trim();
  if (out === '') return undefined;
  return out.length > EXCERPT_CHARS ? `${out.slice(0, EXCERPT_CHARS - 1)}…` : out;
}

/** A JSON body's reason fields joined; null for JSON without any; undefined for a body not JSON. */
function jsonReason(text: string): string | null | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json === 'string') return json;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const found: string[] = [];
  const take = (o: Record<string, unknown>) => {
    for (const f of REASON_FIELDS) {
      const v = o[f];
      if ((typeof v === 'string' || typeof v === 'number') && !found.includes(String(v))) found.push(String(v));
    }
  };
  const top = json as Record<string, unknown>;
  for (const f of NESTED_FIELDS) {
    const nested = top[f];
    if (nested !== null && typeof nested === 'object' && !Array.isArray(nested))
      take(nested as Record<string, unknown>);
  }
  take(top);
  return found.length === 0 ? null : found.join(': ');
}

/** An HTML page's visible text: scripts, styles and markup left out. */
function htmlText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;/gi, "'")
    .replace(/&amp;/gi, '&');
}
