import { DateTime, type TokenParser } from 'luxon';

/**
 * Checks a mapping's date formats when it loads. A format luxon cannot use, or one that reads
 * something other than what its author meant, would otherwise pass validation and then reject
 * every row of the export (or, worse, import every row with the wrong date), so each is refused
 * up front with what is wrong and, where the intent is unambiguous, what to write instead.
 */

/**
 * Keywords the mapping may give in place of a luxon format. The epoch ones are read here, not
 * with luxon's X and x: an epoch number names an instant, and the import's clock would place
 * what luxon parses as a wall time in the mapping's zone.
 */
export const DATE_KEYWORDS = ['iso', 'epoch-seconds', 'epoch-millis'] as const;
export type DateKeyword = (typeof DATE_KEYWORDS)[number];

export const isDateKeyword = (format: string): format is DateKeyword =>
  (DATE_KEYWORDS as readonly string[]).includes(format);

const EPOCH = /^([+-]?)(\d+)(?:\.(\d+))?$/;
// ISO 8601's four-digit years, from 1900: a number of milliseconds read as seconds (year
// 55,000) falls outside, and so does anything JavaScript's Date cannot hold.
const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Epoch ms of a plain decimal number of seconds or milliseconds since 1970 UTC, or null. */
export function parseEpoch(text: string, keyword: 'epoch-seconds' | 'epoch-millis'): number | null {
  const match = EPOCH.exec(text);
  if (!match) return null;
  const [, sign, whole = '', fraction = ''] = match;
  // The fraction is taken as digits, not through a float, so 1704211200.123 s is exactly
  // 1704211200123 ms; what is finer than a millisecond is dropped.
  const digits = keyword === 'epoch-seconds' ? 3 : 0;
  const magnitude = Number(whole + fraction.padEnd(digits, '0').slice(0, digits));
  const ms = sign === '-' ? -magnitude : magnitude;
  return ms >= EARLIEST && ms <= LATEST ? ms : null;
}

/** Tokens luxon's parser reads (its formatting table, docs/formatting.md); macros included. */
const TOKENS = new Set(
  (
    'G GG y yy yyyy yyyyy yyyyyy M MM MMM MMMM L LL LLL LLLL d dd o ooo H HH h hh m mm q qq s ss S SSS ' +
    'u uu uuu a kk kkkk W WW E c EEE EEEE ccc cccc Z ZZ ZZZ z ' +
    'D DD DDD DDDD t tt ttt tttt T TT TTT TTTT f ff fff ffff F FF FFF FFFF'
  ).split(' '),
);

/** Unquoted runs of one letter, as luxon splits a format into tokens; quoted text is literal. */
function letterRuns(format: string): string[] {
  const runs: string[] = [];
  let quoted = false;
  for (let i = 0; i < format.length;) {
    const ch = format[i] as string;
    if (ch === "'") {
      quoted = !quoted;
      i += 1;
      continue;
    }
    let end = i + 1;
    while (!quoted && format[end] === ch) end += 1;
    if (!quoted && /[A-Za-z]/.test(ch)) runs.push(format.slice(i, end));
    i = end;
  }
  return runs;
}

/**
 * Tokens Java (SimpleDateFormat, DateTimeFormatter) and moment users write that luxon reads
 * differently, flagged only where what was meant is plain from the rest of the format; then any
 * other letters luxon has no token for. Every one is named, so a format copied from another tool
 * (`YYYY-MM-DD hh:mm:ss A`) is mended in one edit rather than one token a run.
 */
function misreadTokens(runs: readonly string[]): string[] {
  const has = (re: RegExp) => runs.some((r) => re.test(r));
  const date = has(/^[yYML]/);
  return [...new Set(runs)].flatMap((run) => {
    if (/^Y+$/.test(run))
      return `"${run}" is no luxon token (it would be matched as those letters); did you mean "${'y'.repeat(run.length)}" (year)?`;
    if ((run === 'D' || run === 'DD') && date)
      return `"${run}" is a whole localized date in luxon ("${DateTime.utc(2031, 11, 23).toFormat(run)}"); did you mean "${run.toLowerCase()}" (day of the month)?`;
    if ((run === 'm' || run === 'mm') && !has(/^[hHtTfF]/))
      return `"${run}" is minutes in luxon and the format has no hour; did you mean "${run.toUpperCase()}" (month)?`;
    return TOKENS.has(run) ? [] : unknownToken(run);
  });
}

function unknownToken(run: string): string {
  const hint =
    run === 'X' || run === 'x'
      ? '; for seconds or milliseconds since 1970 give the keyword epoch-seconds or epoch-millis'
      : run === 'A'
        ? '; luxon writes AM/PM as "a"'
        : /^S+$/.test(run)
          ? '; luxon reads 1 to 9 digits of a fraction of a second as "u"'
          : '';
  return `"${run}" is no luxon token (it would be matched as those letters; quote literal text, as in 'T')${hint}`;
}

/** Quoted text of a format: what luxon matches literally. */
function literals(format: string): string[] {
  return [...format.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');
}

// Text that names UTC or an offset. Quoted, luxon matches it as letters and reads the time as
// wall time in the mapping's zone: 21:05Z in New York would be placed at 02:05Z the next day.
const ZONE_LITERAL = /^(?:Z|UTC|GMT|[+-]\d\d:?\d\d)$/i;

function zoneLiteral(format: string): string | null {
  const zone = literals(format).find((text) => ZONE_LITERAL.test(text.trim()));
  if (zone === undefined) return null;
  return (
    `'${zone}' names the zone, but quoted it is matched as text and the time is read as wall time in ` +
    "the mapping's timeZone, not in UTC; for ISO 8601 text (2024-01-05T21:05:00.000Z) give the keyword iso, " +
    'and for an offset written +00:00 or +0000 use ZZ or ZZZ unquoted'
  );
}

// An instant whose fields all differ, so that a format that mixes them up cannot read itself back.
const PROBE = DateTime.fromISO('2031-11-23T17:45:39.678Z', { zone: 'utc' });

/** What is wrong with a date format, or null when luxon reads it as written. */
export function dateFormatProblem(format: string): string | null {
  if (isDateKeyword(format)) return null;
  const misread = [...misreadTokens(letterRuns(format)), zoneLiteral(format) ?? []].flat();
  if (misread.length > 0) return misread.join('; also ');
  const written = PROBE.toFormat(format);
  let read: DateTime | null = null;
  try {
    read = DateTime.fromFormat(written, format, { zone: 'utc' });
  } catch {
    // luxon throws on some contradictions (a meridiem with a 24-hour hour): unusable as well.
  }
  if (read?.isValid && read.toFormat(format) === written) return null;
  return `luxon cannot read back what this format writes ("${written}" for ${PROBE.toISO()})`;
}

/** Where luxon's parser keeps its pattern; not in its types (see hourOfClock). */
interface ParserInternals {
  readonly regex?: RegExp;
  readonly handlers?: readonly {
    readonly literal?: boolean;
    readonly token?: { val: string };
    readonly groups?: number;
  }[];
}

/** The capture group of a 12-hour clock's hour (h, hh) in each parser that has one. */
const TWELVE_HOUR = new WeakMap<TokenParser, { regex: RegExp; group: number }>();
/** Parsers whose format reads a day and no time of it (no hour token, macros expanded). */
const DAY_ONLY = new WeakSet<TokenParser>();
const HOUR_TOKEN = /^(?:H|HH|h|hh)$/;

/** The parser of a date format: building one is most of what parsing a date costs, so it is built once. */
export function formatParser(format: string): TokenParser {
  const parser = DateTime.buildFormatParser(format);
  const { regex, handlers } = parser as unknown as ParserInternals;
  if (regex === undefined || handlers === undefined) return parser;
  if (!handlers.some((h) => !h.literal && HOUR_TOKEN.test(h.token?.val ?? ''))) DAY_ONLY.add(parser);
  // The handlers are of the format with its macros expanded (t is h:mm a, f holds one too), so
  // a 12-hour hour a macro brings is found here, where the format's own letters do not show it.
  // Groups are counted as luxon's own matching counts them.
  let group = 1;
  for (const h of handlers) {
    if (!h.literal && (h.token?.val === 'h' || h.token?.val === 'hh')) {
      TWELVE_HOUR.set(parser, { regex, group });
      break;
    }
    group += h.groups ? h.groups + 1 : 1;
  }
  return parser;
}

/**
 * Whether text the parser read shows an hour its clock has: 1 to 12 under a 12-hour clock's h
 * and hh, which luxon does not check: it reads "13:30 PM" as 13:30 and "00:30 PM" as 12:30, where
 * the export says something its format cannot, and the time is a guess.
 */
export function hourOfClock(parser: TokenParser, text: string): boolean {
  const twelve = TWELVE_HOUR.get(parser);
  if (twelve === undefined) return true;
  const hour = Number(twelve.regex.exec(text)?.[twelve.group]);
  return hour >= 1 && hour <= 12;
}

/**
 * Whether text a parser (or keyword) read names a day with no time of it: "2024-05-01" read as
 * ISO 8601, or any text of a format with no hour. An epoch number names an instant. A parser
 * whose internals luxon no longer shows is taken to read a time, as before this was asked.
 */
export function readsDayOnly(parser: TokenParser | DateKeyword, text: string): boolean {
  if (parser === 'iso') return !/t/i.test(text);
  if (parser === 'epoch-seconds' || parser === 'epoch-millis') return false;
  return DAY_ONLY.has(parser);
}
