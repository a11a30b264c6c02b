/**
 * Defence in depth for the public API: status notes are written by the bridge and by department
 * staff, and staff sometimes paste a citizen's contact details into them. Anything that looks like
 * an e-mail address or a phone number is replaced before a note is stored or served.
 *
 * A missed address leaks a citizen's details, while a false match only blanks a date, id or
 * amount from an otherwise useful note. The patterns lean towards redaction, but each one is
 * anchored so that ISO dates and times, ticket and work-order ids, street numbers and money
 * survive.
 */
export const REDACTED = '[redacted]';

// Letters of any script (josé, straße, IDN domains), with combining marks for decomposed accents.
const ALNUM = String.raw`\p{L}\p{M}\p{N}`;
// "[at]", "(at)", "{dot}" and the like: the usual ways of hiding an address from scrapers.
const hidden = (word: string): string => String.raw`\s*[\[({<]\s*${word}\s*[\])}>]\s*`;
const AT = `(?:@|＠|${hidden('at')})`;
const DOT = `(?:\\.|${hidden('dot')})`;
// An apostrophe may sit inside ("o'brien") but not open it, so a quoting mark stays.
const LOCAL = `[${ALNUM}_%+-][${ALNUM}_%+'-]*`;
const LABEL = `[${ALNUM}-]+`;
// The top-level domain starts with a letter, so "meet (at) 5.30" stays.
const TLD = `\\p{L}[${ALNUM}-]*`;
// Starting only at the front of a run (not mid-word, not after "john.") keeps long text without
// an "@" from costing quadratic time; an earlier start already covers those positions.
const LOCAL_START = `(?<![${ALNUM}_%+-]|[${ALNUM}_%+-]\\.)`;
const EMAIL = new RegExp(`${LOCAL_START}${LOCAL}(?:${DOT}${LOCAL})*${AT}(?:${LABEL}${DOT})+${TLD}`, 'giu');

// Up to two blanks, optionally around one dash or dot: "780 496 1234", "780  496  1234", "780 - 496".
const GAP = String.raw`[ \t\u00a0]{0,2}`;
const SEP = String.raw`${GAP}(?:[-.\u2010-\u2013]${GAP})?`;
// A dot is no separator for the short forms, where "113.4938" is far more likely a decimal.
const SPACE_OR_DASH = String.raw`(?:[ \t\u00a0]{1,2}|${GAP}[-\u2010-\u2013]${GAP})`;
const EXTENSION = String.raw`(?:\s*,?\s*(?:ext(?:ension|n)?\.?|x)\s*\d{1,6})?`;
// Not glued to a word, an id ("SR-", "#"), an amount ("$"), a signed number, or the digits of a
// date, time or decimal ("2026-10-05", "14:30", "1,250.00").
const START = String.raw`(?<![\p{L}\p{N}_$#+\-]|\p{N}[.,:/])`;
const END = String.raw`(?![\p{L}\p{N}_]|[-.,:/]\p{N})`;

// Parentheses only in pairs, so that a number quoted in brackets keeps its closing one.
const GROUP = String.raw`(?:\(\d{1,5}\)|\d{1,5})`;

// "+44 (0)20 7946 0958", "+1-780-496-1234", "+33 1 23 45 67 89". The "+" says it all, so any
// grouping goes.
const PHONE_PLUS = new RegExp(String.raw`${START}\+[1-9]\d{0,2}(?:${SEP}${GROUP}){2,6}${EXTENSION}${END}`, 'giu');
// "0044 20 7946 0958": the "00" exit code stands for "+", but only with the groups spelled out,
// so that a long number with leading zeros stays.
const PHONE_EXIT = new RegExp(
  String.raw`${START}00[1-9]\d{0,2}(?:${SPACE_OR_DASH}${GROUP}){2,6}${EXTENSION}${END}`,
  'giu',
);
// North American ten digits, e.g. "780-496-1234", "(780)496-1234", "1 (780) 496-1234",
// "1.780.496.1234".
const PHONE_NANP = new RegExp(
  String.raw`${START}(?:1${SEP})?(?:\(\d{3}\)|\d{3})${SEP}\d{3}${SEP}\d{4}${EXTENSION}${END}`,
  'giu',
);
// Seven-digit local numbers need a separator, so that ids and ISO dates ("2026-10-05") survive.
const PHONE_LOCAL = new RegExp(String.raw`${START}\d{3}${SPACE_OR_DASH}\d{4}${EXTENSION}${END}`, 'giu');

// Fewer than seven digits after a "+" is a score or a sum ("+5 10 20"), not a phone number.
const MIN_PHONE_DIGITS = 7;
const redactPhone = (match: string): string =>
  (match.match(/\d/g)?.length ?? 0) >= MIN_PHONE_DIGITS ? REDACTED : match;

export function scrubPii(text: string): string {
  return text
    .replace(EMAIL, REDACTED)
    .replace(PHONE_PLUS, redactPhone)
    .replace(PHONE_EXIT, REDACTED)
    .replace(PHONE_NANP, REDACTED)
    .replace(PHONE_LOCAL, REDACTED);
}
