import { z } from 'zod';
import {
  baseUrlSetting,
  holeWaitSecondsSchema,
  seqPageSizeSchema,
  maxResponseBytesSetting,
  timeZoneSchema,
} from '../../src/sdk/index.ts';

/** The POSSE-like connector's settings, declared once: defaults, validation and the generated docs. */
export const posseConfig = z
  .object({
    baseUrl: baseUrlSetting(
      'Base URL of the POSSE-like system, without credentials (the bearer token comes from tokenEnv).',
    ),
    jurisdiction: z.string().min(1).describe('City the work orders belong to; stamped on every event.'),
    system: z
      .string()
      .default('posse')
      .describe('System kind whose commands this connector takes and whose status mapping applies.'),
    departments: z.array(z.string().min(1)).min(1).describe('Departments served by this POSSE instance.'),
    tokenEnv: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/, 'an environment variable name')
      .default('POSSE_API_TOKEN')
      .describe('Environment variable holding the bearer token.'),
    timeZone: timeZoneSchema
      .default('UTC')
      .describe(
        'IANA time zone of the system\'s dates without a time or without a UTC offset: an expected date "2024-05-01" is the start of that day there, "2024-05-01T10:00:00" or "2024-05-01 10:00:00" that time there.',
      ),
    pageSize: seqPageSizeSchema('Process changes'),
    holeWaitSeconds: holeWaitSecondsSchema('POSSE', 'POSSE'),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('Per-request time-out.'),
    maxResponseBytes: maxResponseBytesSetting,
  })
  .strict();

export type PosseConfig = z.infer<typeof posseConfig>;
