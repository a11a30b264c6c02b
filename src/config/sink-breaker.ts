import { z } from 'zod';

/**
 * When a connector instance's sink stops dead-lettering a run of records refused alike. Declared
 * once here: the config schema takes it into each connector instance, and the generated
 * connector reference (docs/connectors.md) documents it from this schema.
 */
export const sinkBreakerSchema = z.object({
  breakAfterSameStatus: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(5)
    .describe(
      "Tickets whose records are dead-lettered in a row with the same HTTP status before the sink holds the next ticket's record and pauses (`breaker`: readiness, `closeloop_paused`) until an operator resumes the connector. A system refusing everything alike is an outage, not bad records; one ticket refused again and again (purged from the system, say, with several statuses on their way) is that ticket's trouble: its further refusals are dead-lettered without counting here or ending a run. A hold counts no `maxDeliveryCycles` cycle, and a record dead-lettered after them neither counts here nor ends a run. 0 turns it off.",
    ),
});

export type SinkBreaker = z.infer<typeof sinkBreakerSchema>;
