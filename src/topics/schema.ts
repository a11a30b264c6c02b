import { z } from 'zod';

/**
 * The config's topics section, declared here beside the catalogue that derives every other
 * topic of the pipeline from it, so that the config can check the whole catalogue (see
 * topicClashes) without importing upwards.
 */
export const topicsSchema = z
  .object({
    crmEvents: z.string().default('crm.ticket-events.v1'),
    deptEvents: z.string().default('dept.work-order-events.v1'),
    links: z.string().default('bridge.ticket-links.v1'),
    /** Operators' audited commands to the processor (closeloop workorder reset-order). */
    operatorCommands: z.string().default('bridge.operator-commands.v1'),
    commands: z.string().default('bridge.work-order-commands.v1'),
    status: z.string().default('bridge.ticket-status.v1'),
    state: z.string().default('bridge.ticket-state.v1'),
    quarantine: z.string().default('bridge.quarantine.v1'),
    /** Department KPIs per month, written by `closeloop kpi --publish`; compacted. */
    kpi: z.string().default('bridge.kpi.v1'),
    /** Compacted topic where source connectors keep their cursors (no Avro schema). */
    cursors: z.string().default('closeloop.connector-cursors'),
    /** Sinks' receipts of what they delivered, read by the processor (the sentinel's input). */
    deliveries: z.string().default('bridge.deliveries.v1'),
    /** Stuck-ticket and silent-connector alerts, raised and cleared; compacted by alert id. */
    alerts: z.string().default('bridge.alerts.v1'),
    /** Reconciliation's findings and what it did about them, keyed by ticket id; kept for good. */
    drift: z.string().default('bridge.drift.v1'),
    /** Who replayed which dead letters of this pipeline (JSON records, kept for good). */
    dlqReplays: z.string().default('closeloop.dlq-replays'),
  })
  .strict();

export type Topics = z.infer<typeof topicsSchema>;

/** Every topic a config names, by key: a run that wants its own topics names each of these. */
export const TOPIC_KEYS = Object.keys(topicsSchema.shape) as (keyof Topics)[];
