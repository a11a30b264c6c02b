import { z } from 'zod';

/**
 * How a connector instance's source paces its polls, how long it stands aside when another worker
 * takes it over, and whether its system may ring a doorbell.
 * Declared once here: the config schema takes these fields into each connector instance, and the
 * generated connector reference (docs/connectors.md) documents them from this schema.
 */
export const sourcePacingSchema = z.object({
  pollIntervalMs: z
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(250)
    .describe('Longest wait between polls, reached when the system has been quiet for a while.'),
  busyPollIntervalMs: z
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(25)
    .describe('Wait after a poll that found records (a full page polls again at once); empty polls back off from it.'),
  pollBackoff: z
    .number()
    .min(1)
    .max(10)
    .default(2)
    .describe('Each empty poll multiplies the wait by this, up to pollIntervalMs.'),
  fencedRetryMs: z
    .number()
    .int()
    .min(1_000)
    .max(3_600_000)
    .default(30_000)
    .describe(
      'How long a source whose transactional id another worker took (paused `fenced`: two workers run this connector) waits before it claims the id back.',
    ),
  webhook: z
    .object({
      tokenEnv: z
        .string()
        .regex(/^[A-Z][A-Z0-9_]*$/, 'an environment variable name')
        .describe('Environment variable holding the bearer token the system sends.'),
    })
    .strict()
    .optional()
    .describe(
      '`{ tokenEnv }`: a doorbell. The system calls `POST /hooks/<name>` on the ops port, with the bearer token held in the environment variable `tokenEnv`, when it has changes; the source polls at once. Off when absent.',
    ),
});

export type SourcePacing = z.infer<typeof sourcePacingSchema>;
