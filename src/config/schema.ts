import { z } from 'zod';
import { offOrNumber, offOrSection } from './off-or-section.ts';
import { sentinelSchema } from './sentinel.ts';
import { sinkBreakerSchema } from './sink-breaker.ts';
import { sinkDeliverySchema } from './sink-delivery.ts';
import { sourcePacingSchema } from './source-pacing.ts';
import { timeZoneSchema } from '../sdk/time-zone.ts';
import { topicsSchema } from '../topics/schema.ts';
import { CLOSURE_REASONS, DEFAULT_ORDERING, WEEKDAYS, WORK_ORDER_STATES } from '../domain/index.ts';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export const statusMappingEntrySchema = z
  .object({
    state: z.enum(WORK_ORDER_STATES),
    publicNote: z.string().min(1).optional(),
    closureReason: z.enum(CLOSURE_REASONS).optional(),
    systemClosed: z.boolean().optional(),
    misroute: z.boolean().optional(),
    /** Why an ON_HOLD code waits; SLA policies list the reasons that pause the completion clock. */
    holdReason: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/, 'an upper-snake hold reason, e.g. AWAITING_REQUESTOR')
      .optional(),
  })
  .strict()
  .refine((e) => !e.misroute || e.state === 'REJECTED', { message: 'a misroute code must map to REJECTED' })
  .refine((e) => e.holdReason === undefined || e.state === 'ON_HOLD', {
    message: 'only an ON_HOLD code has a hold reason',
    path: ['holdReason'],
  });

export const statusMappingSchema = z
  .object({
    system: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
    description: z.string().optional(),
    knownCodes: z.array(z.string().min(1)).min(1),
    codes: z.record(z.string().min(1), statusMappingEntrySchema),
    /**
     * Whether the department's own note (free text its staff write on the work order) is shown to
     * the citizen when a code has no publicNote; `withheld` publishes the plain-words status alone.
     */
    departmentNotes: z.enum(['public', 'withheld']).default('public'),
  })
  .strict();

/**
 * Known codes left unmapped, read from the raw file so they are reported together with any
 * other problem of the file (a schema refinement would only run once the rest is valid).
 */
export function unmappedInRaw(raw: unknown): string[] {
  if (!raw || typeof raw !== 'object') return [];
  const { knownCodes, codes } = raw as { knownCodes?: unknown; codes?: unknown };
  if (!Array.isArray(knownCodes)) return [];
  const mapped = codes && typeof codes === 'object' ? Object.keys(codes) : [];
  return knownCodes.filter((c): c is string => typeof c === 'string' && !mapped.includes(c));
}

/** Bounds beyond which an event's position is quarantined (IMPLAUSIBLE_SEQUENCE), not applied. */
const orderingSchema = z
  .object({
    /** Largest believable jump of a source's sequence above the last one applied to a work order or ticket. */
    maxSequenceJump: z.number().int().min(1).default(DEFAULT_ORDERING.maxSequenceJump),
    /** How far after processing time an event dated by occurredAt alone may lie; at least a minute of skew. */
    maxFutureMs: z.number().int().min(60_000).default(DEFAULT_ORDERING.maxFutureMs),
  })
  .strict();

const routeTargetSchema = z.object({ department: z.string().min(1), system: z.string().min(1) }).strict();

export const closeloopConfigSchema = z
  .object({
    jurisdiction: z.string().min(1),
    kafka: z
      .object({
        brokers: z
          .array(
            z
              .string()
              .regex(/^[^:\s]+:\d+$/, 'host:port')
              // A port of 0 or past 65535 passes the pattern and fails only at the first connection.
              // A value with no port reads as NaN here and is left to the pattern's message.
              .refine((b) => {
                const port = Number(b.slice(b.lastIndexOf(':') + 1));
                return !(port < 1 || port > 65_535);
              }, 'host:port, the port from 1 to 65535'),
          )
          .min(1),
        clientId: z.string().min(1).default('closeloop'),
      })
      .strict(),
    schemaRegistry: z
      .object({
        url: z.url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. http://127.0.0.1:8081' }),
        /**
         * How long one request waits for the registry's answer before it counts as unreachable
         * (retriable: the record is held, never dead-lettered). Raise it for a distant registry.
         */
        timeoutMs: z.number().int().min(1_000).max(120_000).default(10_000),
        /**
         * How long a schema id the registry answers 404 for is asked for again before the record
         * is taken as written with an unknown schema (a replica behind its leader; 0: at once).
         */
        unknownIdWaitMs: z.number().int().min(0).max(300_000).default(5_000),
      })
      .strict(),
    topics: topicsSchema.default(topicsSchema.parse({})),
    processor: z
      .object({
        groupId: z.string().min(1).default('closeloop-processor'),
        partitions: z.number().int().min(1).max(1000).default(6),
        /**
         * Worker threads the processor runs on, each a member of its consumer group (as Kafka
         * Streams' num.stream.threads): one thread decides, encodes and produces on one core.
         * More than the partitions leaves the extra threads idle.
         */
        threads: z.number().int().min(1).max(64).default(1),
        retentionDays: z.number().positive().default(30),
        /** How often closed tickets past retention are tombstoned. */
        expiryIntervalMs: z.number().int().positive().default(60_000),
        /**
         * How long the group waits for a silent (crashed) member before moving its partitions; also
         * how long a dead worker holds the source lease before a standby takes the sources over.
         */
        sessionTimeoutMs: z.number().int().min(6_000).max(300_000).default(30_000),
        /** How often running SLA clocks are checked for targets that fell due untouched. */
        slaCheckIntervalMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
        /**
         * How long the processor's and sinks' consumers may fail to join their group, take an
         * assignment, fetch or handle a partition's batches before readiness, the
         * closeloop_consumer_failing gauge and `closeloop health` say so (they go on trying).
         */
        consumerFailingAfterMs: z.number().int().min(100).max(3_600_000).default(15_000),
        /**
         * How often a running processor asks the broker for its co-partitioned topics' partition
         * counts: a partition added meanwhile stops it (CL_TOPIC_MISMATCH) within this long.
         */
        partitionCheckIntervalMs: z.number().int().min(1_000).max(3_600_000).default(10_000),
        ordering: orderingSchema.default({ ...DEFAULT_ORDERING }),
        /**
         * Start a partition whose state changelog holds no record although the group has read
         * its input (the topic deleted or re-created: CL_STATE_LOST), with no tickets. For one
         * start after the loss is understood; left on, a later loss would only be logged.
         */
        acceptEmptyState: z.boolean().default(false),
      })
      .strict()
      .default({
        groupId: 'closeloop-processor',
        partitions: 6,
        threads: 1,
        retentionDays: 30,
        expiryIntervalMs: 60_000,
        sessionTimeoutMs: 30_000,
        slaCheckIntervalMs: 60_000,
        consumerFailingAfterMs: 15_000,
        partitionCheckIntervalMs: 10_000,
        ordering: { ...DEFAULT_ORDERING },
        acceptEmptyState: false,
      }),
    statusMappings: z.array(z.string().min(1)).min(1),
    /** SLA calendars and policies (files relative to this one); no SLA clocks run when absent. */
    sla: z
      .object({ calendars: z.array(z.string().min(1)).min(1), policies: z.string().min(1) })
      .strict()
      .optional(),
    /** The stuck-ticket sentinel's limits, laid over its defaults (see sentinel.ts); `off` turns it off. */
    sentinel: sentinelSchema,
    /**
     * Reconciliation (closeloop reconcile, and the worker's scheduled runs): compares the bridge's
     * state with what the CRM and the departments show, and heals what is safe through the
     * processor.
     */
    reconcile: z
      .object({
        /** An agent closed a ticket whose work is open: reopen it (with a note), or accept the closure. */
        closedByHand: z.enum(['reopen', 'accept']).default('reopen'),
        /** Closed tickets are checked for this many days after closing (a CRM restored from a backup). */
        closedWindowDays: z.number().min(0).max(365).default(7),
        /** Lookup calls per second: every ticket costs a call to the CRM and one per open work order. */
        ratePerSecond: z.number().positive().max(1_000).default(5),
        /** Tickets changed more recently are left for the next run: their events may be in flight. */
        settleSeconds: z.number().min(0).max(86_400).default(60),
        /** The worker runs a reconciliation this often; `off`, the default, runs none. */
        intervalMinutes: offOrNumber(z.number().positive().max(10_080), null),
      })
      .strict()
      .default({
        closedByHand: 'reopen',
        closedWindowDays: 7,
        ratePerSecond: 5,
        settleSeconds: 60,
        intervalMinutes: null,
      }),
    /** The accountable people per department (a file relative to this one); never public. */
    roles: z.string().min(1).optional(),
    /**
     * Where the worker serves /metrics, /health/* and the admin endpoints (the processor run alone
     * serves the first two); off when absent.
     */
    http: z
      .object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(9464) })
      .strict()
      .optional(),
    /** The public Open311 GeoReport v2 status API, served by `closeloop status-api`. */
    statusApi: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8311),
        /** Requests per client per window; `off` when a gateway in front already limits. */
        rateLimit: offOrSection(
          z
            .object({
              points: z.number().int().min(1).default(60),
              durationSeconds: z.number().int().min(1).default(60),
            })
            .strict(),
          'rateLimit',
          'rate limiting',
        ),
        /** Count clients by X-Forwarded-For; only behind a proxy that overwrites it. */
        trustProxy: z.boolean().default(false),
        historyLimit: z.number().int().min(1).max(500).default(50),
        maxIdsPerRequest: z.number().int().min(1).max(1000).default(1000),
        /** The API's public address, as Open311 discovery gives it; else the request's own host. */
        publicUrl: z.url().nullable().default(null),
        /**
         * Where the status API serves /metrics and /health/* for operators, apart from the public
         * port; on loopback by default, `off` turns it off (an empty section is refused: it would
         * leave the API with no readiness and no metrics, with nothing said).
         */
        ops: offOrSection(
          z
            .object({
              host: z.string().default('127.0.0.1'),
              port: z.number().int().min(0).max(65535).default(9465),
            })
            .strict(),
          'ops',
          "the status API's operator listener",
        ),
        /** The public pages (closeloop public): the city's name in titles and headings. */
        cityName: z.string().min(1).default('City'),
        /** The zone in which the public figures' months are cut. */
        timeZone: timeZoneSchema.default('UTC'),
        /** The city's published on-time targets per department, in percent; shown beside the figures. */
        targets: z
          .record(
            z.string(),
            z
              .object({
                responsePct: z.number().min(0).max(100).optional(),
                completionPct: z.number().min(0).max(100).optional(),
              })
              .strict(),
          )
          .default({}),
      })
      .strict()
      .optional(),
    /** What leaves the bridge towards departments. */
    privacy: z
      .object({
        /**
         * Scrub e-mail addresses and phone numbers from the descriptions sent to departments, and
         * from the CRM agents' notes (ADD_NOTE, CANCEL) sent with them.
         */
        scrubDepartmentDescriptions: z.boolean().default(false),
      })
      .strict()
      .default({ scrubDepartmentDescriptions: false }),
    /** Connector instances the worker runs; each one's own settings are checked by its connector. */
    connectors: z
      .array(
        z
          .object({
            name: z.string().min(1),
            source: z.boolean().default(true),
            sink: z.boolean().default(true),
            // Poll pacing and the webhook doorbell: see source-pacing.ts.
            ...sourcePacingSchema.shape,
            /**
             * The source's expected cadence: no record for longer than the limit raises
             * CONNECTOR_SILENT (an alert, a metric and a readiness reason). Off when absent.
             */
            silence: z
              .object({
                limitMinutes: z.number().positive().max(525_600),
                timeZone: timeZoneSchema.default('UTC'),
                hours: z
                  .array(
                    z
                      .object({
                        days: z.array(z.enum(WEEKDAYS)).min(1),
                        from: z.string().regex(HHMM, 'HH:MM'),
                        to: z.string().regex(HHMM, 'HH:MM'),
                        limitMinutes: z.number().positive().max(525_600),
                      })
                      .strict()
                      .refine((w) => w.from < w.to, { message: 'from must be before to', path: ['to'] }),
                  )
                  .default([]),
              })
              .strict()
              .optional(),
            // How far the sink goes with a record that keeps failing: see sink-delivery.ts.
            ...sinkDeliverySchema.shape,
            /** Tickets a sink delivers at once per partition of its topic; each ticket's updates go in order. */
            maxInFlight: z.number().int().min(1).max(256).default(16),
            // When a run of records refused alike pauses the sink: see sink-breaker.ts.
            ...sinkBreakerSchema.shape,
            config: z.record(z.string(), z.unknown()),
          })
          .strict(),
      )
      .default([]),
    routing: z
      .object({
        defaultPriority: z.number().int().min(1).max(5).default(3),
        services: z.record(z.string().min(1), z.array(routeTargetSchema).min(1)),
      })
      .strict(),
  })
  .strict();

export type CloseloopConfigInput = z.input<typeof closeloopConfigSchema>;

export { TOPIC_KEYS, type Topics } from '../topics/schema.ts';
