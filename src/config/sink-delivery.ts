import { z } from 'zod';

/**
 * How far a connector instance's sink goes with one record that keeps failing. Declared once
 * here: the config schema takes these fields into each connector instance, and the generated
 * connector reference (docs/connectors.md) documents them from this schema.
 */
export const sinkDeliverySchema = z.object({
  maxDeliveryCycles: z
    .number()
    .int()
    .min(1)
    .max(1_000)
    .default(10)
    .describe(
      "Pause cycles one record may take: each cycle spends the retry budget, pauses until the system's health probe passes and tries again. A record still failing after this many is dead-lettered as `CL_DELIVERY_EXHAUSTED` and raises a `DELIVERY_EXHAUSTED` alert naming its ticket; the sink goes on. An outage the health probe sees does not count: the sink waits it out.",
    ),
});

export type SinkDelivery = z.infer<typeof sinkDeliverySchema>;
