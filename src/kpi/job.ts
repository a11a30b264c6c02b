import type { CloseloopConfig } from '../config/index.ts';
import {
  computeKpis,
  monthOpenIn,
  parseMonth,
  resolvedWithoutBusinessDays,
  type KpiRecord,
  type Month,
} from '../domain/kpi/index.ts';
import { CloseloopError, messageOf } from '../errors/index.ts';
import { requireTopics, type AvroSerde, type Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { timeZoneProblem } from '../sdk/time-zone.ts';
import { publishMonth } from './publish.ts';
import { readKpiInputs } from './read-inputs.ts';

export interface KpiJobOptions {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  /** YYYY-MM. */
  readonly month: string;
  /** Epoch ms: the moment the figures are as of. */
  readonly now: number;
  /** Write the records to the KPI topic (unless some input record could not be read). */
  readonly publish: boolean;
  /**
   * Publish even when some input records could not be read. The status and quarantine topics
   * keep records for good, so without it one bad record would block publishing forever.
   */
  readonly allowUnreadable?: boolean;
  /** The jurisdiction's zone: places violations, and tickets whose status names none. Default UTC. */
  readonly timeZone?: string;
  readonly schemasDir?: string;
}

export interface KpiJobResult {
  readonly month: string;
  readonly timeZone: string;
  readonly records: readonly KpiRecord[];
  /** Distinct tickets and KPI-relevant violations the figures were computed from. */
  readonly tickets: number;
  readonly violations: number;
  /** Input records that could not be read and are missing from the figures. */
  readonly undecodable: number;
  /** Tickets resolved in the month without business days (no business calendar): see docs/kpi.md R6. */
  readonly withoutBusinessDays: number;
  /**
   * The month is not over yet in the jurisdiction's zone or in the zone of some ticket's SLA
   * calendar (each ticket's month is judged in its own, R1), so its figures will still change.
   */
  readonly provisional: boolean;
  /** Where provisional, the zone the month ends last in, not over yet at `now`; else null. */
  readonly provisionalIn: string | null;
  /** Records written to the KPI topic: 0 when not asked to, or when withheld for unread records. */
  readonly published: number;
  /**
   * Departments the KPI topic held a record of the month for that have none now, tombstoned in
   * the same transaction as the records: the topic holds the month as this run computed it.
   */
  readonly withdrawn: number;
}

function invalid(message: string): CloseloopError {
  return new CloseloopError('CL_ARGUMENT_INVALID', message);
}

function monthArg(text: string): Month {
  try {
    return parseMonth(text);
  } catch (err) {
    throw invalid(messageOf(err));
  }
}

/**
 * Reads the status and quarantine topics to their current end, computes one month, and publishes
 * it in place of what the KPI topic held for the month (publishMonth).
 */
export async function runKpiJob(o: KpiJobOptions): Promise<KpiJobResult> {
  const timeZone = o.timeZone ?? 'UTC';
  const month = monthArg(o.month);
  if (!Number.isFinite(o.now)) throw invalid(`KPI "now" must be an instant, got ${o.now}`);
  const zoneProblem = timeZoneProblem(timeZone);
  if (zoneProblem !== null) throw invalid(`KPI time zone: ${zoneProblem}`);
  const log = o.logger.child({ component: 'kpi-job', month: o.month });

  const admin = o.messaging.admin();
  await admin.connect();
  try {
    await requireTopics(admin, [o.config.topics.status, o.config.topics.quarantine]);
    const hasDrift = (await admin.listTopics()).includes(o.config.topics.drift);
    const inputs = await readKpiInputs({
      messaging: o.messaging,
      admin,
      serde: o.serde,
      logger: log,
      statusTopic: o.config.topics.status,
      quarantineTopic: o.config.topics.quarantine,
      driftTopic: hasDrift ? o.config.topics.drift : null,
      fallbackZone: timeZone,
    });
    // Each row names who answers for the department's work, from the roles file.
    const accountable = o.config.policy.accountable ?? {};
    const records = computeKpis(inputs.tickets, inputs.violations, o.month, o.now, timeZone, inputs.drift).map((r) => ({
      ...r,
      accountable: Object.hasOwn(accountable, r.department) ? (accountable[r.department] ?? null) : null,
    }));
    const provisionalIn = monthOpenIn(month, [timeZone, ...new Set(inputs.tickets.map((t) => t.timeZone))], o.now);
    // Figures known to miss records would replace complete ones on the compacted topic.
    const withheld = o.publish && inputs.undecodable > 0 && o.allowUnreadable !== true;
    if (withheld) log.error({ undecodable: inputs.undecodable }, 'KPI records not published: input records unread');
    const { published, withdrawn } =
      o.publish && !withheld ? await publishMonth(o, admin, records) : { published: 0, withdrawn: 0 };
    log.info(
      {
        tickets: inputs.tickets.length,
        violations: inputs.violations.length,
        records: records.length,
        published,
        withdrawn,
      },
      'KPIs computed',
    );
    return {
      month: o.month,
      timeZone,
      records,
      tickets: inputs.tickets.length,
      violations: inputs.violations.length,
      undecodable: inputs.undecodable,
      withoutBusinessDays: resolvedWithoutBusinessDays(inputs.tickets, o.month),
      provisional: provisionalIn !== null,
      provisionalIn,
      published,
      withdrawn,
    };
  } finally {
    await admin.disconnect();
  }
}
