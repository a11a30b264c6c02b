/**
 * Defence in depth for the public API: status notes are written by the bridge and by department
 * staff, and staff sometimes paste a citizen's contact details into them. Anything that looks like
 * an e-mail address or a phone number is replaced before a note is stored or served.
 */
export const REDACTED = '[redacted]';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
// International form with a leading "+", e.g. "+44 20 7946 0958" or "+1 (780) 496-1234".
const PHONE_INTL = /\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,5}(?!\d)/g;
// North American ten digits, e.g. "780-496-1234", "(780) 496 1234", "1.780.496.1234".
const PHONE_NANP = /(?<!\w)(?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-]?)\d{3}[ .-]?\d{4}(?!\w)/g;
// Seven-digit local numbers need a separator, so that ids and ISO dates ("2026-10-05") survive.
const PHONE_LOCAL = /(?<![\w-])\d{3}[ .-]\d{4}(?![\w-])/g;

export function scrubPii(text: string): string {
  return text
    .replace(EMAIL, REDACTED)
    .replace(PHONE_INTL, REDACTED)
    .replace(PHONE_NANP, REDACTED)
    .replace(PHONE_LOCAL, REDACTED);
}
