import { z } from 'zod';
import {
  holeWaitSecondsSchema,
  seqPageSizeSchema,
  maxResponseBytesSetting,
  timeZoneSchema,
} from '../../src/sdk/index.ts';

/** The CRM connector's settings, declared once: defaults, validation and the generated docs. */
export const crmRestConfig = z
  .object({
    baseUrl: z.url().describe('Base URL of the CRM integration API.'),
    jurisdiction: z.string().min(1).describe('City the tickets belong to; stamped on every event.'),
    tokenEnv: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/, 'an environment variable name')
      .default('CRM_API_TOKEN')
      .describe('Environment variable holding the bearer token. The token itself never goes in a file.'),
    timeZone: timeZoneSchema
      .default('UTC')
      .describe(
        'IANA time zone of the CRM\'s dates without a UTC offset (a change\'s at, requestedAt and dueAt, a ticket\'s updatedAt): a due date "2024-05-01" is the start of that day there, "2024-05-01T10:00:00" that time there.',
      ),
    pageSize: seqPageSizeSchema('Changes'),
    holeWaitSeconds: holeWaitSecondsSchema(
      'A CRM whose change feed is an outbox table numbered by a database sequence',
      'the CRM',
    ),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('Per-request time-out.'),
    maxResponseBytes: maxResponseBytesSetting,
    statusNoteLength: z
      .number()
      .int()
      .min(10)
      .max(1_000_000)
      .optional()
      .describe(
        'Longest status note the CRM keeps, in characters (UTF-16 code units), where it refuses a whole status update whose note is longer (422): a longer note is cut to it between characters, ending with …, and the cut logged without the note. None: notes are sent whole.',
      ),
    closureNoteLength: z
      .number()
      .int()
      .min(10)
      .max(1_000_000)
      .optional()
      .describe('Longest closure note the CRM keeps, cut as statusNoteLength cuts the status note. None: sent whole.'),
  })
  .strict();

export type CrmRestConfig = z.infer<typeof crmRestConfig>;
