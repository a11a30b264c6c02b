/** The longest wait a Retry-After is taken at: past it a system's answer reads as a mistake. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

// RFC 9110 §10.2.3: Retry-After = HTTP-date / delay-seconds, delay-seconds a non-negative
// decimal integer. An HTTP-date is the IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), or one of
// the obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37
// 1994") forms a recipient must still accept; each opens with a day name.
const SECONDS = /^\d+$/;
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /;

/**
 * How long a Retry-After header asks to wait, in ms from `now` (when the answer came), capped at
 * MAX_RETRY_AFTER_MS; undefined for none, garbage, a negative number or a date already past,
 * which leave the caller's own backoff in charge.
 */
export function parseRetryAfter(header: string | string[] | undefined, now: number): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  let ms: number;
  if (SECONDS.test(value)) ms = Number(value) * 1_000;
  // Every form is in GMT; asctime does not say so, and Date.parse would read it as local time.
  else if (HTTP_DATE.test(value)) ms = Date.parse(/GMT$/.test(value) ? value : `${value} GMT`) - now;
  else return undefined;
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
