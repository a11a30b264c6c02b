import { z } from 'zod';
import { maxResponseBytesSetting, timeZoneSchema } from '../../src/sdk/index.ts';

/** Maximo's two REST roots, which serve the same object structures by the same resource ids. */
export const API_ROOTS = ['/maximo/api', '/maximo/oslc'] as const;

const siteId = z.string().regex(/^[A-Z0-9][A-Z0-9_-]*$/, 'a Maximo site id, upper case (e.g. BALT-DOT)');

/** The Maximo-like connector's settings, declared once: defaults, validation and the generated docs. */
export const maximoConfig = z
  .object({
    baseUrl: z.url().describe('Base URL of the Maximo server (without /maximo).'),
    jurisdiction: z.string().min(1).describe('City the work orders belong to; stamped on every event.'),
    system: z
      .string()
      .default('maximo')
      .describe('System kind whose commands this connector takes and whose status mapping applies.'),
    apiRoot: z
      .enum(API_ROOTS)
      .default('/maximo/api')
      .describe('REST root: /maximo/api (MAS 8 and later) or /maximo/oslc (7.6).'),
    objectStructure: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .default('mxwo')
      .describe(
        "Object structure the work orders are read and written through. Notes are found again by their work log entries, so it should hold the WORKLOG child (MXAPIWODETAIL does); without it a note is still made once within Maximo's five minutes of keeping a transaction id, but one replayed later could be added again.",
      ),
    departments: z
      .record(z.string().min(1), siteId)
      .refine((d) => Object.keys(d).length > 0, 'at least one department')
      .refine((d) => new Set(Object.values(d)).size === Object.values(d).length, 'each department needs its own site')
      .describe('Departments served by this instance, each with the Maximo siteid its work orders live at.'),
    noteLogType: z
      .string()
      .min(1)
      .default('CLIENTNOTE')
      .describe(
        "Work log type of a 311 note (a value of the LOGTYPE domain): CLIENTNOTE, Maximo's type for what the requester says.",
      ),
    reviewLogType: z
      .string()
      .min(1)
      .default('UPDATE')
      .describe(
        'Work log type of a follow-up asking a supervisor to review finished work (a value of the LOGTYPE domain; add one such as FOLLOWUP to have them told apart).',
      ),
    statusMemoLength: z
      .number()
      .int()
      .min(10)
      .max(4000)
      .default(50)
      .describe(
        "Longest status memo Maximo keeps (WOSTATUS.MEMO, 50 characters in a stock Maximo), which refuses a whole status change whose memo is longer: a cancel's reason is cut to it, and a longer one is added whole as a work log entry.",
      ),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/, 'an environment variable name')
      .default('MAXIMO_API_KEY')
      .describe('Environment variable holding the API key, sent in the apikey header.'),
    pageSize: z.number().int().min(1).max(1000).default(100).describe('Work orders per page (oslc.pageSize).'),
    maxPagesPerPoll: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(50)
      .describe(
        "Pages with a new change one poll reads before it hands over a batch; the next poll goes on from its cursor. Every page read counts toward a hard bound: this plus the pages filled by the look-back's already published changes and by the rows the feed's paging reads again at page boundaries. A poll that reaches it without a new change, or whose nextPage points at a page it read already, fails as a malformed answer (Maximo's paging runs in a circle) and the source pauses.",
      ),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(10_000)
      .describe(
        "Per-request time-out. Also how long, after a work order's POST failed in a way that may have taken (a time-out, a dropped connection, a 5xx), the connector gives Maximo's save to land before posting again: set it above the longest save your Maximo takes.",
      ),
    timeZone: timeZoneSchema
      .optional()
      .describe(
        "IANA time zone of the Maximo server, for dates it writes without a UTC offset (some setups' REST API returns server-local times): \"2024-03-01T10:00:02\" is read as that time there. Without it such a date names no instant: the feed's poll fails as CL_CONNECTOR_MALFORMED naming the work order and this setting (the source pauses until it is set, then reads on from its cursor); a date that is no date at all has its change dead-lettered (CL_SOURCE_RECORD_INVALID) and the feed reads on. The sink reads no date and works either way; a lookup fails as CL_CONFIG_INVALID on a status date without an offset. Dates with an offset are read as they are either way. Also how the feed reads the hour the clocks repeat, which Maximo compares in local time: with it that hour's changes are read as they come, and the first occurrence's dates, which Maximo answers at the later offset, are read as the instant they name; without it the feed reads that hour again once the dates' offset falls, a fallback with gaps (see the README), and the first occurrence's changes are an hour ahead (CL_SOURCE_CLOCK_AHEAD). Set it whenever the server's zone has daylight-saving time.",
      ),
    maxResponseBytes: maxResponseBytesSetting,
    lookBackSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(300)
      .describe(
        'How far before its cursor each poll reads again, for a change that commits after later ones with an earlier changedate (a long transaction, an app server whose clock is behind). What it reads again is known by workorderid:_rowstamp and not published twice. 0 reads from the cursor itself and misses such changes.',
      ),
    maxRememberedChanges: z
      .number()
      .int()
      .min(100)
      // The cursor is one Kafka record, under the broker's 1 MB limit by default. A change takes
      // up to about 65 bytes of it (its key, and where its event was placed when it is the latest
      // of its work order), so 12 000 leave a margin for longer ids (see the cursor's unit test);
      // sparser changes are held to the record by MAX_CURSOR_BYTES (cursor.ts).
      .max(12_000)
      .default(10_000)
      .describe(
        'Changes published within the look-back that the cursor remembers. Beyond it the oldest seconds are forgotten and a late change dated in them is missed, as without a look-back; the source warns (CL_SOURCE_CURSOR_FULL) until the look-back has moved past them. At most 12 000 (40 000 before the cursor kept where events were placed): the cursor is one Kafka record, kept under the 1 MB limit a Kafka broker sets by default. Changes spread thin over a long look-back, or with long ids, can take more than that before the cap: the cursor is then held to 900 000 bytes by forgetting its oldest seconds the same way, with the same warning.',
      ),
    maxClockAheadSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(300)
      .describe(
        "How far past the bridge's clock a changedate may move the cursor. A change dated later (an app server's clock or time zone set wrong) is published, but the cursor stops at this bound, so later queries do not skip what the other servers save meanwhile; the source warns (CL_SOURCE_CLOCK_AHEAD) while it reads such changes.",
      ),
  })
  .strict();

export type MaximoConfig = z.infer<typeof maximoConfig>;
