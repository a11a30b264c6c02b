/**
 * The one contact-data scrubber for everything public: status notes (written by the bridge and by
 * department staff, who sometimes paste a citizen's contact details into them), the public
 * location's text, and, when the city asks, descriptions sent to departments. Anything that looks
 * like an e-mail address or a phone number is replaced before it is stored or served.
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
// Also as a web form or a mail client leaves it: URL-encoded ("%40") or an HTML entity ("&#64;").
// A typed "@" may have blanks around it ("jane.doe @ gmail.com", "bob@ example.org"): a note
// that says where to write wants it read, and so does anyone scraping the page.
// "(@)" and "[.]" hide the sign itself in brackets.
const AT = `(?:[ \t\u00a0]{0,2}[@＠][ \t\u00a0]{0,2}|%40|&#0*64;|&#x0*40;|${hidden('(?:at|[@＠])')})`;
const DOT = `(?:\\.|${hidden('(?:dot|\\.)')})`;
// An apostrophe may sit inside ("o'brien") but not open it, so a quoting mark stays.
const LOCAL = `[${ALNUM}_%+-][${ALNUM}_%+'-]*`;
const LABEL = `[${ALNUM}-]+`;
// The top-level domain starts with a letter, so "meet (at) 5.30" stays.
const TLD = `\\p{L}[${ALNUM}-]*`;
// Starting only at the front of a run (not mid-word, not after "john.", "john[dot]" or "john dot ")
// keeps long text without an "@" from costing quadratic time; an earlier start already covers
// those positions.
const SPELLED_DOT = String.raw`[ 	]+dot[ 	]+`;
const LOCAL_START = `(?<![${ALNUM}_%+-]|[${ALNUM}_%+-](?:${DOT}|${SPELLED_DOT}))`;
const EMAIL = new RegExp(`${LOCAL_START}${LOCAL}(?:${DOT}${LOCAL})*${AT}(?:${LABEL}${DOT})+${TLD}`, 'giu');
// "jane at example dot org": both words spelled out, so "us at city.gov" and "crew at site" stay.
const SPELLED_AT = String.raw`[ 	]+at[ 	]+`;
const EMAIL_SPELLED = new RegExp(
  `${LOCAL_START}${LOCAL}(?:${SPELLED_DOT}${LOCAL})*${SPELLED_AT}(?:${LABEL}${SPELLED_DOT})+${TLD}`,
  'giu',
);

// Up to two blanks, optionally around one dash, dot, slash or underscore: "780 496 1234",
// "780  496  1234", "780 - 496", "410/555/0199", "410_555_0199".
const GAP = String.raw`[ \t\u00a0]{0,2}`;
// Every dash: hyphen, figure, en and em dash, horizontal bar (a minus is folded to "-").
const DASH = String.raw`\-\u2010-\u2015`;
const SEP = String.raw`${GAP}(?:[${DASH}./_]${GAP})?`;
// A dot is no separator for the short forms, where "113.4938" is far more likely a decimal.
const SPACE_OR_DASH = String.raw`(?:[ \t\u00a0]{1,2}|${GAP}[${DASH}]${GAP})`;
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
// so that a long number with leading zeros stays. "00 44 20 7946 0958", with the exit code apart,
// is taken only with nine digits or more (below, in PATTERNS), so that "00 12 34" stays.
const PHONE_EXIT = new RegExp(
  String.raw`${START}00[1-9]\d{0,2}(?:${SPACE_OR_DASH}(?:\(\d{1,5}\)|\d{1,8})){2,6}${EXTENSION}${END}`,
  'giu',
);
const PHONE_EXIT_APART = new RegExp(
  String.raw`${START}00${SPACE_OR_DASH}[1-9]\d{0,2}(?:${SPACE_OR_DASH}(?:\(\d{1,5}\)|\d{1,8})){2,6}${EXTENSION}${END}`,
  'giu',
);
// North American ten digits, e.g. "780-496-1234", "(780)496-1234", "1 (780) 496-1234",
// "1.780.496.1234".
const NANP = String.raw`(?:1${SEP})?(?:\(\d{3}\)|\d{3})${SEP}\d{3}${SEP}\d{4}`;
const PHONE_NANP = new RegExp(String.raw`${START}${NANP}${EXTENSION}${END}`, 'giu');
// A number in its groups, then a comma and a digit, as a hurried note or a row of an export runs
// them together: "410-555-0199,2nd floor", "+1 410 555 0199,3". END leaves a number before ",2"
// (the digits of a decimal, "1,250"), but no amount or date is grouped three, three and four by
// blanks, dashes, dots or slashes, and a "+" says it all.
const GROUPED_SEP = String.raw`(?:[ \t\u00a0]{1,2}|${GAP}[${DASH}./_]${GAP})`;
const NANP_GROUPED = String.raw`(?:1${SEP})?(?:\(\d{3}\)${GAP}|\d{3}${GROUPED_SEP})\d{3}${GROUPED_SEP}\d{4}`;
const BEFORE_COMMA = String.raw`(?=,\p{N})`;
const PHONE_NANP_COMMA = new RegExp(String.raw`${START}${NANP_GROUPED}${BEFORE_COMMA}`, 'giu');
const PHONE_PLUS_COMMA = new RegExp(String.raw`${START}\+[1-9]\d{0,2}(?:${SEP}${GROUP}){2,6}${BEFORE_COMMA}`, 'giu');
// Two numbers glued by a slash, comma or semicolon, "410-555-0199/410-555-0198", or a second
// line's last four digits, "410-555-0199/0198": START and END keep each number from a digit
// behind such a mark (dates, decimals), so the list is taken whole, from a full number on.
const PHONE_LIST = new RegExp(
  String.raw`${START}${NANP}(?:${GAP}[/,;]${GAP}${NANP}|[/,;]\d{4})+${EXTENSION}${END}`,
  'giu',
);
// A number glued to the word that labels it, "cell4105550199", "Tel#410-555-0199", which START
// leaves alone elsewhere so that ids ("WO4105550199", "#780-4961") survive.
const LABEL_WORD = String.raw`(?<![\p{L}])(?:tel|telephone|phone|ph|cell|cellphone|mobile|mob|fax)`;
const PHONE_LABELLED = new RegExp(
  String.raw`(?<=${LABEL_WORD}\.?[#:]?[ \t]{0,2})(?:${NANP}|\+?\d{7,15})${EXTENSION}${END}`,
  'giu',
);
// Ten digits in other groupings, as people read them out: "410 555 01 99", "410-55-50-199".
// The first group of three and no dots, slashes or colons keep dates and times out
// ("2026 10 05 14 30" has twelve digits and starts with four).
const PHONE_GROUPED = new RegExp(
  String.raw`${START}(?:1${SPACE_OR_DASH})?\d{3}(?:${SPACE_OR_DASH}\d{2,4}){2,4}${EXTENSION}${END}`,
  'giu',
);
const NANP_DIGITS = 10;
// Seven-digit local numbers need a separator, so that ids and ISO dates ("2026-10-05") survive.
const PHONE_LOCAL = new RegExp(String.raw`${START}\d{3}${SPACE_OR_DASH}\d{4}${EXTENSION}${END}`, 'giu');
// National numbers outside North America start with a trunk "0": "020 7946 0958" (UK),
// "01 23 45 67 89" and "01.23.45.67.89" (France), "030 12345678", "030/1234567" and
// "(030) 123 4567" (Germany). At least one separator and nine digits, so that a date such as
// "05.10.2026" (eight) and a bare id survive.
const TRUNK = String.raw`(?:\(0[1-9]\d{0,3}\)|0[1-9]\d{0,3})`;
const PHONE_NATIONAL = new RegExp(String.raw`${START}${TRUNK}(?:${SEP}\d{1,8}){1,5}${EXTENSION}${END}`, 'giu');
const MIN_NATIONAL_DIGITS = 9;
const MAX_NATIONAL_DIGITS = 12;

// Fewer than seven digits after a "+" is a score or a sum ("+5 10 20"), not a phone number.
const MIN_PHONE_DIGITS = 7;
const digitsIn = (match: string): number => match.match(/\d/g)?.length ?? 0;
const withoutExtension = (match: string): string => match.replace(/\s*,?\s*(?:ext(?:ension|n)?\.?|x)\s*\d+$/iu, '');

const PATTERNS: readonly { readonly re: RegExp; readonly accept?: (match: string) => boolean }[] = [
  { re: EMAIL },
  { re: EMAIL_SPELLED },
  // Before PHONE_PLUS, which would take "+44 20 7946" of "+44 20 7946 0958,2" and leave "0958".
  { re: PHONE_PLUS_COMMA, accept: (m) => digitsIn(m) >= MIN_PHONE_DIGITS },
  { re: PHONE_PLUS, accept: (m) => digitsIn(m) >= MIN_PHONE_DIGITS },
  { re: PHONE_EXIT },
  { re: PHONE_EXIT_APART, accept: (m) => digitsIn(withoutExtension(m)) >= MIN_NATIONAL_DIGITS },
  { re: PHONE_LIST },
  { re: PHONE_NANP },
  { re: PHONE_NANP_COMMA },
  // Before the local form, which would take "020 7946" and leave "0958".
  {
    re: PHONE_NATIONAL,
    accept: (m) => {
      const n = digitsIn(withoutExtension(m));
      return n >= MIN_NATIONAL_DIGITS && n <= MAX_NATIONAL_DIGITS;
    },
  },
  {
    re: PHONE_GROUPED,
    accept: (m) => {
      const digits = withoutExtension(m).replace(/\D/g, '');
      return digits.length === NANP_DIGITS || (digits.length === NANP_DIGITS + 1 && digits.startsWith('1'));
    },
  },
  { re: PHONE_LOCAL },
  { re: PHONE_LABELLED },
];

// Invisible characters that split a number or an address for the eye of a filter, not a reader's.
const INVISIBLE = /[\u00ad\u180e\u200b-\u200d\u2060\ufeff]/u;
// Stands in for a match already found: neither a letter, digit nor separator, like "]".
const MASK = '\ue000';
// Control characters included: they fold to themselves, as every other ASCII unit does.
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
// Every pattern needs an "@" or a hidden, encoded or spelled "at" (a spelled one comes with a
// spelled " dot "), or at least five digits ("001 1 1" is the shortest phone number PHONE_EXIT
// takes): text with none of them has nothing to scrub.
const MAY_HIDE_AT = /[@[({<%&]|[ \t]dot[ \t]/i;
const MIN_DIGITS_OF_ANY_PHONE = 5;

/**
 * The text as the patterns see it, one entry per UTF-16 unit of the original: fullwidth and other
 * compatibility forms folded to ASCII ("＠", "．", "４１０"), invisible characters left out. The
 * original is what comes back, redacted where the folded text matched, so nothing else changes.
 */
function fold(text: string): { folded: string; origin: number[] | null } {
  // Plain ASCII has nothing to fold or leave out: the text is its own view (null: origin[i] = i).
  if (ASCII.test(text)) return { folded: text, origin: null };
  let folded = '';
  const origin: number[] = [];
  let at = 0;
  for (const ch of text) {
    if (!INVISIBLE.test(ch)) {
      const nfkc = ch.length === 1 ? ch.normalize('NFKC') : ch;
      const one = nfkc.length === 1 && nfkc.charCodeAt(0) < 0x80 ? nfkc : ch === '\u2212' ? '-' : ch;
      for (let i = 0; i < one.length; i++) origin.push(at + Math.min(i, ch.length - 1));
      folded += one;
    }
    at += ch.length;
  }
  return { folded, origin };
}

export function scrubPii(text: string): string {
  const view = fold(text);
  let folded = view.folded;
  if (!MAY_HIDE_AT.test(folded) && digitsIn(folded) < MIN_DIGITS_OF_ANY_PHONE) return text;
  const origin = view.origin;
  const at = (i: number): number => (origin ? (origin[i] ?? 0) : i);
  const redacted: [number, number][] = [];
  for (const { re, accept } of PATTERNS) {
    folded = folded.replace(re, (match: string, ...rest: unknown[]) => {
      if (accept && !accept(match)) return match;
      const start = rest.find((r) => typeof r === 'number') as number;
      const end = start + match.length - 1;
      redacted.push([at(start), at(end) + 1]);
      return MASK.repeat(match.length);
    });
  }
  if (redacted.length === 0) return text;
  redacted.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  for (const [start, end] of redacted) {
    out += `${text.slice(from, start)}${REDACTED}`;
    from = end;
  }
  return out + text.slice(from);
}

/**
 * Fields whose name says they hold a person or their contact details, however a system nests or
 * spells them (`requester.email`, `ReporterPhone`, `contact_info`, `applicant`, `customer`,
 * `submittedBy`, `fullName`, `tel`, Maximo's `reportedby` and `affectedperson`), matched on the
 * name in lower case without separators: the whole value goes. An `address` alone is left, as a
 * feed's address is the public location; a person's (`homeAddress`, or one inside a
 * person's field) goes. So do the parties a permit or code-enforcement case names (`owner`,
 * `ownerName`, `propertyOwnerAddress`, `occupant`, `tenantName`, `violator`, `respondent`), as
 * a whole field or with a person's detail after it: `ownergroup` (a team) is left.
 */
const PARTIES = 'owner|occupant|tenant|landlord|violator|respondent|permittee|licensee|witness';
const CONTACT_FIELD = new RegExp(
  [
    'email|phone|mobile|contact|citizen|reporter|requester|requestor|caller|complainant|applicant',
    'reportedby|affectedperson|onbehalfof|customer|resident|submittedby|homeaddress|mailingaddress',
    '^tel$|^fax$|^(?:first|last|full|given|middle|sur)?name$',
    `^(?:property|building|registered)?(?:${PARTIES})s?(?:name|names|address|addresses|info|details)?$`,
  ].join('|'),
);
const isContactField = (key: string): boolean => CONTACT_FIELD.test(key.toLowerCase().replace(/[^a-z0-9]/g, ''));
/** Deeper than any feed nests: past it a value is dropped rather than walked further. */
const MAX_DEPTH = 32;

/**
 * A value read from an outside system (a change it could not read, kept for a person to fix the
 * system by) without contact data: every field named for a person or their contact details is
 * replaced by REDACTED, and every text through scrubPii. Numbers, booleans and the shape are
 * kept, so a phone written as a number is caught only under such a name.
 */
export function withoutContactData(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubPii(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((v: unknown) => withoutContactData(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isContactField(k) ? REDACTED : withoutContactData(v, depth + 1);
  return out;
}
