import { z } from 'zod';
import { CHANNELS, CLOSURE_REASONS } from '../domain/types.ts';
import { CloseloopError, SUGGEST_KEYS } from '../errors/index.ts';
import { issues, readYaml } from '../config/yaml.ts';
import { timeZoneSchema } from '../sdk/time-zone.ts';
import { dateFormatProblem } from './date-formats.ts';
import { ENCODINGS } from './encoding.ts';

/**
 * How one city's 311 open-data export maps onto canonical CRM events. Everything city-specific
 * lives here, so a new city needs a mapping file and no code. Value maps match case-insensitively
 * after trimming, because exports spell the same word several ways ("Phone", "PHONE ").
 */

const regex = z.string().superRefine((s, ctx) => {
  try {
    new RegExp(s, 'i');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}` });
  }
});

/** How a value map's keys and the export's words are compared: "Phone", " PHONE " are one word. */
export const foldValue = (s: string): string => s.trim().toLowerCase();

/**
 * Keys of one value map that fold to the same word ("Open" and "OPEN"): only one of them could
 * ever apply, the last one silently, so the mapping is refused naming both.
 */
function collidingKeys(map: Record<string, string>): [string, string][] {
  const seen = new Map<string, string>();
  const pairs: [string, string][] = [];
  for (const key of Object.keys(map)) {
    const earlier = seen.get(foldValue(key));
    if (earlier === undefined) seen.set(foldValue(key), key);
    else pairs.push([earlier, key]);
  }
  return pairs;
}

const dateFormat = z
  .string()
  .min(1)
  .superRefine((f, ctx) => {
    const problem = dateFormatProblem(f);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: `"${f}": ${problem}` });
  });

/** A column name, or several tried in order (the first non-empty value wins). */
const columnRef = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const columnsSchema = z
  .object({
    ticketId: columnRef,
    openedAt: columnRef,
    /** Without one, a row is closed when its close time is set. */
    status: columnRef.optional(),
    requestType: columnRef,
    /** A code for the request type, when the export has one apart from its name. */
    serviceCode: columnRef.optional(),
    department: columnRef.optional(),
    channel: columnRef.optional(),
    closedAt: columnRef.optional(),
    dueAt: columnRef.optional(),
    description: columnRef.optional(),
    /** Columns whose text the closure patterns and the "duplicate of <id>" pattern read. */
    closureText: columnRef.optional(),
    /** The parent ticket, when the export names it in a column of its own. */
    parentId: columnRef.optional(),
    address: columnRef.optional(),
    latitude: columnRef.optional(),
    longitude: columnRef.optional(),
    district: columnRef.optional(),
  })
  .strict();

const closureRule = z
  .object({
    /** Matched case-insensitively against the closure text (and the status word). */
    pattern: regex,
    reason: z.enum(CLOSURE_REASONS),
  })
  .strict();

export const importMappingSchema = z
  .object({
    /** The jurisdiction every event carries. */
    jurisdiction: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
    /** Names the export in event ids and envelopes, e.g. "open-baltimore-311". */
    source: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
    /** Zone of timestamps that carry no offset of their own. */
    timeZone: timeZoneSchema,
    /**
     * luxon formats, tried in order; "iso" reads ISO 8601, "epoch-seconds" and "epoch-millis" a
     * decimal number of seconds or milliseconds since 1970 UTC.
     */
    dateFormats: z.array(dateFormat).min(1),
    /**
     * The export's character encoding. "latin1" is read as windows-1252, as browsers read it. In
     * UTF-8, a row holding bytes that are not UTF-8 is rejected, pointing here. A file whose first
     * bytes say another encoding (a byte order mark, NULs between letters) is refused, not guessed.
     */
    encoding: z.enum(ENCODINGS).default('utf-8'),
    /** The export's field separator (some cities publish with ";" or a tab). */
    // A quote, a line end or a letter or digit would split the rows themselves or every value.
    delimiter: z
      .string()
      .length(1)
      .refine(
        (d) => !/["\r\n\p{L}\p{N}]/u.test(d),
        'one character that is not a quote, a line end, a letter or a digit, e.g. "," ";" "\\t" "|"',
      )
      .default(','),
    columns: columnsSchema,
    values: z
      .object({
        /** Export's channel names → canonical channels. */
        channel: z.record(z.string(), z.enum(CHANNELS)).default({}),
        /** Status words → open or closed. */
        status: z.record(z.string(), z.enum(['open', 'closed'])).default({}),
        /** First matching rule wins; a closed row with no match gets defaults.closureReason. */
        closure: z.array(closureRule).default([]),
        /** A pattern whose first group is the parent's id, e.g. "duplicate (?:of|to) #?(\\d+)". */
        duplicateOf: regex.optional(),
        /** Request types answered at first contact (INFORMATION); others are SERVICE. */
        informationTypes: z.array(regex).default([]),
      })
      .strict()
      .prefault({}),
    defaults: z
      .object({
        /** Used when the channel column is empty or names a channel the map lacks; else the row is rejected. */
        channel: z.enum(CHANNELS).optional(),
        closureReason: z.enum(CLOSURE_REASONS).default('WORK_COMPLETED'),
        department: z.string().min(1).optional(),
        /** Latitude and longitude both 0 mean "not given" in several exports. */
        zeroIsNoLocation: z.boolean().default(true),
      })
      .strict()
      .default({ closureReason: 'WORK_COMPLETED', zeroIsNoLocation: true }),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.columns.status !== undefined && Object.keys(m.values.status).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['values', 'status'],
        message: 'columns.status is given: map its words to open or closed',
      });
    }
    // Each coordinate alone is half a position, which a row could never give.
    if ((m.columns.latitude === undefined) !== (m.columns.longitude === undefined)) {
      const missing = m.columns.latitude === undefined ? 'latitude' : 'longitude';
      ctx.addIssue({
        code: 'custom',
        path: ['columns', missing],
        message: `columns.${missing === 'latitude' ? 'longitude' : 'latitude'} is given: name the ${missing} column too`,
      });
    }
    for (const name of ['channel', 'status'] as const) {
      for (const [a, b] of collidingKeys(m.values[name])) {
        ctx.addIssue({
          code: 'custom',
          path: ['values', name, b],
          message: `"${a}" and "${b}" are the same word once case and surrounding spaces are ignored; keep one`,
        });
      }
    }
  });

export type ImportMapping = z.infer<typeof importMappingSchema>;
export type ColumnField = keyof ImportMapping['columns'];

/** Validates a parsed mapping; every problem at once, each as "<file>: <path>: <message>". */
export function parseImportMapping(raw: unknown, file: string): ImportMapping {
  const result = importMappingSchema.safeParse(raw, SUGGEST_KEYS);
  if (!result.success) {
    const lines = issues(file, result.error);
    throw new CloseloopError('CL_CONFIG_INVALID', `import mapping is invalid:\n${lines.join('\n')}`, {
      details: { problems: lines },
    });
  }
  return result.data;
}

export async function loadImportMapping(file: string): Promise<ImportMapping> {
  return parseImportMapping(await readYaml(file), file);
}
