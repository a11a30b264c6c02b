import type { KpiDrift, KpiTicket, KpiViolation } from '../domain/kpi/index.ts';
import { isCloseloopError, messageOf } from '../errors/index.ts';
import {
  readToEnd,
  type AvroSerde,
  type IncomingRecord,
  type Messaging,
  type MessagingAdmin,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { violationFromQuarantine, type StatusRead, type ViolationRead } from './from-status.ts';
import { KpiTicketFold } from './ticket-fold.ts';

/** Logged one by one up to this many per run; a flood of bad records gets one summary line. */
const LOGGED_UNDECODABLE = 20;

export interface KpiInputs {
  /** The latest status of each ticket, with the ticket as it stood at its first resolution. */
  readonly tickets: KpiTicket[];
  /** The violations some KPI counts. */
  readonly violations: KpiViolation[];
  /** Reconciliation's findings (R11); none when the drift topic does not exist yet. */
  readonly drift: KpiDrift[];
  readonly statusRecords: number;
  readonly quarantineRecords: number;
  /** Records that did not decode or did not make sense; left out of the figures. */
  readonly undecodable: number;
}

export interface ReadInputsOptions {
  readonly messaging: Messaging;
  readonly admin: MessagingAdmin;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  readonly statusTopic: string;
  /** Null when no figure asked for needs violations (the volume figures), so it is not read. */
  readonly quarantineTopic: string | null;
  /** The drift topic, where it exists: deployments older than reconciliation have none. */
  readonly driftTopic: string | null;
  /** For tickets whose status names no SLA zone. */
  readonly fallbackZone: string;
}

interface DriftRead {
  readonly envelope: { readonly occurredAt: number };
  readonly driftId: string;
  readonly kind: string;
  readonly department: string | null;
}

const position = (r: IncomingRecord) => `${r.topic}:${r.partition}:${r.offset}`;

/**
 * Reads both topics from the beginning to the end they had when the read began. A record that
 * does not decode is counted and logged, never skipped in silence; an unreachable registry is
 * not the record's fault, so it is thrown and the consumer fetches the batch again. That re-delivery
 * is why everything is kept by record position: a record seen twice counts once.
 */
export async function readKpiInputs(o: ReadInputsOptions): Promise<KpiInputs> {
  const fold = new KpiTicketFold(o.fallbackZone);
  const violations = new Map<string, KpiViolation>();
  const bad = new Set<string>();
  const refuse = (r: IncomingRecord, err: unknown) => {
    if (isCloseloopError(err) && err.retriable) throw err;
    const at = position(r);
    if (bad.has(at)) return;
    bad.add(at);
    if (bad.size <= LOGGED_UNDECODABLE) {
      const code = isCloseloopError(err) ? err.code : 'UNEXPECTED';
      o.logger.warn(
        { topic: r.topic, partition: r.partition, offset: r.offset, code, err: messageOf(err) },
        'KPI input record left out',
      );
    }
  };

  const drift = new Map<string, KpiDrift>();
  const [statusRecords, quarantineRecords] = await Promise.all([
    readToEnd(o.messaging, o.admin, o.statusTopic, 'all', async (r) => {
      try {
        // Every version is folded, not only the latest: R3 judges a ticket as it stood at its first
        // resolution, which a later status (a cancel after a reopen) no longer shows.
        fold.apply((await o.serde.decode<StatusRead>(r.value)).value);
      } catch (err) {
        refuse(r, err);
      }
    }),
    o.quarantineTopic === null
      ? Promise.resolve(0)
      : readToEnd(o.messaging, o.admin, o.quarantineTopic, 'all', async (r) => {
          try {
            const v = violationFromQuarantine((await o.serde.decode<ViolationRead>(r.value)).value);
            if (v) violations.set(position(r), v);
          } catch (err) {
            refuse(r, err);
          }
        }),
    o.driftTopic === null
      ? Promise.resolve(0)
      : readToEnd(o.messaging, o.admin, o.driftTopic, 'all', async (r) => {
          try {
            const d = (await o.serde.decode<DriftRead>(r.value)).value;
            drift.set(position(r), {
              driftId: d.driftId,
              kind: d.kind,
              department: d.department,
              occurredAt: d.envelope.occurredAt,
            });
          } catch (err) {
            refuse(r, err);
          }
        }),
  ]);
  if (bad.size > LOGGED_UNDECODABLE) {
    o.logger.warn({ undecodable: bad.size, logged: LOGGED_UNDECODABLE }, 'more KPI input records left out than logged');
  }
  return {
    tickets: [...fold.tickets()],
    violations: [...violations.values()],
    drift: [...drift.values()],
    statusRecords,
    quarantineRecords,
    undecodable: bad.size,
  };
}
