import type { CloseloopConfig } from '../config/index.ts';
import {
  BRIDGE_ORIGIN,
  RECONCILE_ORIGIN,
  isClosed,
  type AlertRecord,
  type CrmTicketEvent,
  type DriftFinding,
  type TicketLifecycleState,
  type WorkOrderEvent,
} from '../domain/index.ts';
import { isCloseloopError, messageOf } from '../errors/index.ts';
import {
  partitionFor,
  readToEnd,
  recordAtFault,
  subjectForTopic,
  type AvroSerde,
  type MessageProducer,
  type Messaging,
  type MessagingAdmin,
  type OutgoingRecord,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';

/** What reconciliation does about a finding, in the order of the drift schema's enum. */
export const DRIFT_ACTIONS = [
  'RESENT_STATUSES',
  'FED_OBSERVATION',
  'REOPEN_REQUESTED',
  'ACCEPTED',
  'ALERTED',
  'RESEND_REQUESTED',
] as const;
export type DriftAction = (typeof DRIFT_ACTIONS)[number];

export const RECONCILE_SOURCE = 'closeloop-reconcile';

/** The envelope of a record reconciliation writes about its own findings (drift, its alerts). */
export function reconcileEnvelope(jurisdiction: string, eventId: string, now: number): AlertRecord['envelope'] {
  return {
    eventId,
    jurisdiction,
    source: RECONCILE_SOURCE,
    sequence: null,
    occurredAt: now,
    origin: BRIDGE_ORIGIN,
    correlationId: null,
  };
}

/** What is done about a finding; missing items are for people, not for the bridge to guess. */
export function actionFor(f: DriftFinding, closedByHand: 'reopen' | 'accept'): DriftAction {
  switch (f.kind) {
    case 'CRM_BEHIND':
      return 'RESENT_STATUSES';
    case 'CRM_AHEAD':
      // The CRM closed, the bridge open: the bridge's own later statuses may have closed it, or
      // an agent after them; the bridge's state is the older one, so it cannot tell. Sent again,
      // its open status reopens the ticket, which only a city that reopens closures by hand wants.
      return f.observedState === 'closed' &&
        !isClosed(f.bridgeState as TicketLifecycleState) &&
        closedByHand === 'accept'
        ? 'ALERTED'
        : 'RESEND_REQUESTED';
    case 'DEPT_AHEAD':
      return 'FED_OBSERVATION';
    case 'CRM_CLOSED_BY_HAND':
      return closedByHand === 'reopen' ? 'REOPEN_REQUESTED' : 'ACCEPTED';
    case 'DEPT_MISSING':
    case 'CRM_MISSING':
      return 'ALERTED';
  }
}

/** What a re-send of the statuses the CRM lacks did. */
export interface ResendResult {
  readonly resent: number;
  /** Versions the CRM lacks that are no longer on the status topic; empty when it was healed. */
  readonly missing: readonly number[];
}

interface StoredStatus {
  readonly version: number;
  readonly partition: number;
  readonly value: Buffer;
}

/**
 * Heals through the normal path only: observations and reopen requests go to the processor's
 * input topics (so decide() and its close gate have the last word), and statuses the CRM lacks
 * are produced again as the very records the processor wrote (so the CRM sink delivers them,
 * and the CRM applies each version once).
 */
export class Healer {
  readonly #config: CloseloopConfig;
  readonly #messaging: Messaging;
  readonly #admin: MessagingAdmin;
  readonly #serde: AvroSerde;
  readonly #producer: MessageProducer;
  readonly #log: Logger | undefined;
  readonly #metrics: Metrics | undefined;
  /** Status records per ticket of the partitions read so far in this run. */
  readonly #statuses = new Map<number, Map<string, StoredStatus[]>>();

  constructor(
    config: CloseloopConfig,
    messaging: Messaging,
    admin: MessagingAdmin,
    serde: AvroSerde,
    producer: MessageProducer,
    observe: { log?: Logger; metrics?: Metrics } = {},
  ) {
    this.#config = config;
    this.#messaging = messaging;
    this.#admin = admin;
    this.#serde = serde;
    this.#producer = producer;
    this.#log = observe.log;
    this.#metrics = observe.metrics;
  }

  /** DEPT_AHEAD: the department's state goes to the processor as an event of origin reconcile. */
  async feedObservation(e: WorkOrderEvent): Promise<void> {
    const topic = this.#config.topics.deptEvents;
    await this.#producer.send(topic, [{ key: e.ticketId, value: await this.#serde.encode(subjectForTopic(topic), e) }]);
  }

  /**
   * CRM_CLOSED_BY_HAND under reopen: asks the processor to reopen the ticket. The id names the
   * CRM's version, so the same finding made twice reopens once.
   */
  async requestReopen(f: DriftFinding, now: number): Promise<void> {
    await this.#requestOfProcessor(f, 'closed-by-hand', null, now);
  }

  /**
   * CRM_AHEAD: asks the processor to raise the ticket's version to the CRM's and send its current
   * status again above it (decideCrmAhead). The id names the CRM's version, so the same finding
   * made twice sends once.
   */
  async requestResend(f: DriftFinding, crmVersion: number, now: number): Promise<void> {
    await this.#requestOfProcessor(f, 'crm-ahead', crmVersion, now);
  }

  /** A CRM event of origin reconcile: reconciliation's word about the CRM, for decide() to act on. */
  async #requestOfProcessor(f: DriftFinding, what: string, crmStatusVersion: number | null, now: number) {
    const topic = this.#config.topics.crmEvents;
    const event: CrmTicketEvent = {
      envelope: {
        eventId: `${RECONCILE_ORIGIN}:${this.#config.jurisdiction}:${what}:${f.ticketId}:v${f.crmVersion ?? 0}`,
        jurisdiction: this.#config.jurisdiction,
        source: RECONCILE_SOURCE,
        sequence: null,
        occurredAt: now,
        origin: RECONCILE_ORIGIN,
        correlationId: null,
      },
      ticketId: f.ticketId,
      kind: 'UPDATED',
      serviceCode: null,
      serviceName: null,
      description: null,
      requestedAt: null,
      duplicateOf: null,
      followUpOf: null,
      closureReason: null,
      note: null,
      crmStatusVersion,
    };
    await this.#producer.send(topic, [
      { key: f.ticketId, value: await this.#serde.encode(subjectForTopic(topic), event) },
    ]);
  }

  /**
   * CRM_BEHIND: the statuses after the CRM's version, up to the bridge's, produced again in order
   * to the partition they were on. A version no longer on the topic (deleted by hand, or by the
   * retention of a topic created before it was kept for good) cannot be re-sent, and the CRM
   * applies versions in order, so only the run before the first missing one is re-sent: later
   * ones would be refused as skipping ahead. Says how many were re-sent and which are missing.
   */
  async resendStatuses(f: DriftFinding): Promise<ResendResult> {
    const from = (f.crmVersion ?? 0) + 1;
    const stored = (await this.#statusesOf(f.ticketId)).filter(
      (s) => s.version >= from && s.version <= f.bridgeVersion,
    );
    // One record per version, the first written: a repeat on the topic is the same status.
    const byVersion = new Map<number, StoredStatus>();
    for (const s of stored) if (!byVersion.has(s.version)) byVersion.set(s.version, s);
    const missing: number[] = [];
    const records: OutgoingRecord[] = [];
    for (let v = from; v <= f.bridgeVersion; v += 1) {
      const s = byVersion.get(v);
      if (!s) missing.push(v);
      else if (missing.length === 0) records.push({ key: f.ticketId, value: s.value, partition: s.partition });
    }
    if (records.length > 0) await this.#producer.send(this.#config.topics.status, records);
    return { resent: records.length, missing };
  }

  async #statusesOf(ticketId: string): Promise<StoredStatus[]> {
    const partition = partitionFor(ticketId, this.#config.processor.partitions);
    let index = this.#statuses.get(partition);
    if (!index) {
      const built = new Map<string, StoredStatus[]>();
      await readToEnd(this.#messaging, this.#admin, this.#config.topics.status, [partition], async (r) => {
        const key = r.key?.toString('utf8');
        if (key === undefined || r.value === null) return;
        let version: number;
        try {
          version = (await this.#serde.decode<{ version: number }>(r.value)).value.version;
        } catch (err) {
          // Something other than the processor wrote it (a tool, a test producer): passed over and
          // counted, as a restore does on the changelog, or it would fail every heal of its partition.
          if (!recordAtFault(err)) throw err;
          const code = isCloseloopError(err) ? err.code : 'CL_RECORD_INVALID';
          this.#metrics?.statusUnreadable.inc({ code });
          this.#log?.error(
            { topic: r.topic, partition: r.partition, offset: r.offset, code, error: messageOf(err) },
            'status record unreadable; passed over, it cannot be re-sent',
          );
          return;
        }
        built.set(key, [...(built.get(key) ?? []), { version, partition: r.partition, value: r.value }]);
      });
      index = built;
      this.#statuses.set(partition, index);
    }
    return index.get(ticketId) ?? [];
  }

  /** Every finding and what was done about it, on the drift topic, keyed by ticket. */
  async record(f: DriftFinding, action: DriftAction, runId: string, now: number): Promise<void> {
    const topic = this.#config.topics.drift;
    const { observation: _observation, ...fields } = f;
    const record = {
      envelope: reconcileEnvelope(this.#config.jurisdiction, `${f.driftId}@${runId}`, now),
      ...fields,
      action,
      runId,
    };
    await this.#producer.send(topic, [
      { key: f.ticketId, value: await this.#serde.encode(subjectForTopic(topic), record) },
    ]);
  }
}

/**
 * Does what was planned for a finding. Returns what was done and the finding as it is recorded:
 * statuses that could not all be re-sent leave the CRM behind, so that finding is ALERTED,
 * with what is missing in its detail.
 */
export async function heal(
  healer: Healer,
  f: DriftFinding,
  action: DriftAction,
  now: number,
  statusTopic: string,
): Promise<{ action: DriftAction; finding: DriftFinding }> {
  switch (action) {
    case 'RESENT_STATUSES': {
      const { resent, missing } = await healer.resendStatuses(f);
      if (missing.length === 0) break;
      const gap = f.bridgeVersion - (f.crmVersion ?? 0);
      const detail =
        `${f.detail}; ${missing.length} of the ${gap} status(es) it lacks are no longer on ${statusTopic} ` +
        `(${versions(missing)}), so ${resent} were re-sent, those before the first missing one: ` +
        `the CRM stays behind until brought to v${f.bridgeVersion} by hand`;
      return { action: 'ALERTED', finding: { ...f, detail } };
    }
    case 'FED_OBSERVATION':
      if (f.observation) await healer.feedObservation(f.observation);
      break;
    case 'REOPEN_REQUESTED':
      await healer.requestReopen(f, now);
      break;
    case 'RESEND_REQUESTED':
      // Without the CRM's version there is nothing to send above: left for people, not guessed.
      if (f.crmVersion === null) {
        const detail = `${f.detail}; the CRM's version is not known, so no status could be sent above it`;
        return { action: 'ALERTED', finding: { ...f, detail } };
      }
      await healer.requestResend(f, f.crmVersion, now);
      break;
    case 'ACCEPTED':
    case 'ALERTED':
      break;
  }
  return { action, finding: f };
}

/** v1, v3..v7: a gap of hundreds of versions stays one short line. */
function versions(vs: readonly number[]): string {
  const runs: [number, number][] = [];
  for (const v of vs) {
    const last = runs.at(-1);
    if (last && v === last[1] + 1) last[1] = v;
    else runs.push([v, v]);
  }
  return runs.map(([a, b]) => (a === b ? `v${a}` : `v${a}..v${b}`)).join(', ');
}
