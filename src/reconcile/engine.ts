import type { CloseloopConfig } from '../config/index.ts';
import {
  classifyDrift,
  isAwaitedParent,
  isClosed,
  isTerminalWork,
  type AlertRecord,
  type DriftFinding,
  type TicketState,
  type WorkOrderEvent,
} from '../domain/index.ts';
import { isCloseloopError, messageOf } from '../errors/index.ts';
import type { AvroSerde, Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { restorePartitions } from '../processor/restore.ts';
import { topicSpecs } from '../topics/index.ts';
import { cursorKey, cursorRecord, readCursor } from './cursor.ts';
import { DriftAlerts, driftAlertId } from './drift-alerts.ts';
import { Healer, actionFor, heal, type DriftAction } from './heal.ts';
import { departmentLookup, type ReconcileLookups } from './lookups.ts';
import { LatestStates } from './latest-states.ts';
import { LookupPacer, RunEnded } from './pacer.ts';
import { registerRunSchemas, stoppedBeforeStart } from './run-schemas.ts';
import { TokenBucket } from './token-bucket.ts';

/** The label of the CRM's lookups in closeloop_reconcile_unanswered_total. */
const CRM_SYSTEM = 'crm';

/** The cursor is stored after this many tickets, so an interrupted run repeats at most these. */
const CURSOR_EVERY = 20;

export interface ReconcileOptions {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  readonly lookups: ReconcileLookups;
  readonly metrics?: Metrics;
  readonly clock?: () => number;
  /** One ticket only (no cursor is read or kept, and it is checked even if it changed just now). */
  readonly ticketId?: string;
  /** Only tickets the bridge changed at or after this instant (epoch ms). */
  readonly since?: number;
  /** Find and report, but heal nothing and write nothing. */
  readonly dryRun?: boolean;
  /** Lookup calls per second; config.reconcile.ratePerSecond when absent. */
  readonly rate?: number;
  readonly schemasDir?: string;
  /** Tickets between two stored cursors; CURSOR_EVERY when absent. */
  readonly cursorEvery?: number;
  /**
   * Ends the run early (a worker stopping): no ticket is begun after it aborts, the cursor is
   * stored after the last one finished, and the report says the run stopped.
   */
  readonly signal?: AbortSignal;
}

export interface ReconcileOutcome {
  readonly finding: DriftFinding;
  /** null in a dry run: nothing was done. */
  readonly action: DriftAction | null;
}

export interface ReconcileReport {
  readonly runId: string;
  /** The ticket the run continued after, when it resumed an interrupted one. */
  readonly resumedAfter: string | null;
  readonly checked: number;
  /** Changed too recently to judge (reconcile.settleSeconds); left for the next run. */
  readonly settling: number;
  /** Found to have changed since the run read them, as their findings were to be recorded; left for the next run. */
  readonly changed: number;
  /**
   * Lookups that failed (an outage), were not made (the system failed too often in a row this
   * run), or misses not trusted (the system's health was not up).
   */
  readonly unanswered: number;
  readonly outcomes: readonly ReconcileOutcome[];
  readonly ms: number;
  /** Ended before the last ticket (its signal aborted); the next run continues after the last one checked. */
  readonly stopped: boolean;
  /** Why it ended early ('stopped'); null when it did not. */
  readonly stoppedBecause: string | null;
  /** The DRIFT_UNHEALED alerts open after the run (see DriftAlerts); empty in a dry run. */
  readonly driftAlerts: readonly AlertRecord[];
  /**
   * Why the one ticket a run was asked for (ticketId) was not checked: the bridge holds no state
   * of it, or only the record of a parent imported duplicates wait for. null when it was checked,
   * or no one ticket was asked for.
   */
  readonly notChecked: NamedTicketGap | null;
}

/** What the bridge holds of a ticket a run was asked for but could not check. */
export type NamedTicketGap = 'UNKNOWN' | 'AWAITED_PARENT';

/** Which tickets a run checks, in id order: open ones, and those closed within the window. */
export function candidates(
  states: Iterable<TicketState>,
  o: { now: number; closedWindowMs: number; settleMs: number; since?: number; ticketId?: string },
): { tickets: TicketState[]; settling: number; notChecked: NamedTicketGap | null } {
  let settling = 0;
  let notChecked: NamedTicketGap | null = o.ticketId === undefined ? null : 'UNKNOWN';
  const tickets: TicketState[] = [];
  for (const t of states) {
    if (o.ticketId !== undefined && t.ticketId !== o.ticketId) continue;
    // The record of a parent imported duplicates wait for is no ticket (awaited-parent.ts): the
    // CRM may not know it or show it open, and either would be drift found of nothing.
    if (isAwaitedParent(t)) {
      if (o.ticketId !== undefined) notChecked = 'AWAITED_PARENT';
      continue;
    }
    if (o.ticketId !== undefined) {
      tickets.push(t);
      notChecked = null;
      continue;
    }
    if (isClosed(t.state) && (t.closedAt === null || o.now - t.closedAt > o.closedWindowMs)) continue;
    if (o.since !== undefined && t.updatedAt < o.since) continue;
    if (o.now - t.updatedAt < o.settleMs) {
      settling += 1;
      continue;
    }
    tickets.push(t);
  }
  tickets.sort((a, b) => (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0));
  return { tickets, settling, notChecked };
}

/**
 * One reconciliation run: reads the bridge's state from the changelog, asks the CRM and each
 * department about every candidate ticket at a bounded rate, classifies the drift (pure:
 * classifyDrift), heals what is safe through the normal path, and records every finding on the
 * drift topic and in closeloop_drift_total.
 */
export async function runReconciliation(o: ReconcileOptions): Promise<ReconcileReport> {
  try {
    return await reconcile(o);
  } catch (err) {
    // Counted, not only logged: a scheduled run that fails (the registry stalling as the drift
    // schema is registered) leaves no finding behind, and the next run starts it again. One told
    // to stop before its first ticket (registering is not waited out past a stop) did not fail.
    if (!o.signal?.aborted) o.metrics?.reconcileFailed.inc({ code: isCloseloopError(err) ? err.code : 'unknown' });
    throw err;
  }
}

async function reconcile(o: ReconcileOptions): Promise<ReconcileReport> {
  const { config, messaging, serde, lookups } = o;
  const clock = o.clock ?? Date.now;
  const started = clock();
  const log = o.logger.child({ component: 'reconcile' });
  const writes = o.dryRun !== true;
  const admin = messaging.admin();
  await admin.connect();
  const producer = messaging.producer();
  try {
    if (writes) {
      await producer.connect();
      // The topic and schema may be newer than the running processor.
      const own = [config.topics.drift, config.topics.alerts];
      await admin.ensureTopics(topicSpecs(config).filter((s) => own.includes(s.topic)));
      if (!(await registerRunSchemas(config, serde, o.schemasDir, o.signal))) {
        log.info('reconciliation stopped before its first ticket');
        return stoppedBeforeStart(config, started, clock() - started);
      }
    }
    const partitions = Array.from({ length: config.processor.partitions }, (_, p) => p);
    const restored = await restorePartitions(messaging, admin, serde, config.topics.state, partitions, {
      log,
      keyPartitions: config.processor.partitions,
    });
    const states = [...restored.stores.values()].flatMap((s) => [...s.values()]);
    const settleMs = o.ticketId === undefined ? config.reconcile.settleSeconds * 1000 : 0;
    const latest = new LatestStates({
      messaging,
      admin,
      serde,
      topic: config.topics.state,
      partitions: config.processor.partitions,
      log,
      stores: restored.stores,
    });
    let changed = 0;
    const closedWindowMs = config.reconcile.closedWindowDays * 86_400_000;
    const { tickets, settling, notChecked } = candidates(states, {
      now: started,
      closedWindowMs,
      settleMs,
      ...(o.since !== undefined ? { since: o.since } : {}),
      ...(o.ticketId !== undefined ? { ticketId: o.ticketId } : {}),
    });
    const alerts = writes ? new DriftAlerts({ config, serde, producer, log, metrics: o.metrics }) : null;
    await alerts?.load(messaging, admin);
    const keepsCursor = writes && o.ticketId === undefined;
    const key = cursorKey(config.jurisdiction, o.since);
    const previous = keepsCursor ? await readCursor(messaging, admin, config.topics.cursors, key) : null;
    const resumed = previous && !previous.complete ? previous : null;
    const runId = resumed?.runId ?? `${config.jurisdiction}-${new Date(started).toISOString()}`;
    const todo = resumed?.after ? tickets.filter((t) => t.ticketId > (resumed.after ?? '')) : tickets;
    log.info(
      { runId, tickets: todo.length, settling, resumedAfter: resumed?.after ?? null, dryRun: !writes },
      'reconciliation started',
    );
    if (notChecked !== null)
      log.warn({ runId, ticketId: o.ticketId, notChecked }, 'the ticket asked for cannot be checked');

    const healer = new Healer(config, messaging, admin, serde, producer, {
      log,
      ...(o.metrics ? { metrics: o.metrics } : {}),
    });
    const bucket = new TokenBucket(o.rate ?? config.reconcile.ratePerSecond);
    const pacer = new LookupPacer({ bucket, log, metrics: o.metrics, signal: o.signal });
    /** What the CRM and each open work order's department say of a ticket (undefined: unanswered). */
    const observe = async (t: TicketState) => {
      const crmLookup = lookups.crm;
      const ticket = crmLookup?.ticket?.bind(crmLookup);
      const crm =
        crmLookup && ticket
          ? await pacer.ask(CRM_SYSTEM, crmLookup, () => ticket(t.ticketId), { ticketId: t.ticketId })
          : undefined;
      const workOrders = new Map<string, WorkOrderEvent | null>();
      for (const wo of t.workOrders) {
        if (isTerminalWork(wo.state) || wo.misrouted) continue;
        const lookup = departmentLookup(lookups, wo);
        const read = lookup?.workOrder?.bind(lookup);
        if (!lookup || !read) {
          pacer.skip(wo.system, 'NO_LOOKUP', { ticketId: t.ticketId, workOrderId: wo.workOrderId });
          continue;
        }
        const ref = { workOrderId: wo.workOrderId, ticketId: t.ticketId, department: wo.department, system: wo.system };
        const what = { ticketId: t.ticketId, workOrderId: wo.workOrderId };
        const seen = await pacer.ask(wo.system, lookup, () => read(ref), what);
        if (seen !== undefined) workOrders.set(wo.workOrderId, seen);
      }
      return { crm, workOrders };
    };

    const outcomes: ReconcileOutcome[] = [];
    let checked = 0;
    const saveCursor = async (after: string | null, complete: boolean) => {
      if (!keepsCursor) return;
      await producer.send(config.topics.cursors, [cursorRecord(key, { runId, after, complete })]);
    };
    /**
     * Heals and records one finding. What fails for this ticket alone (a record no one can read,
     * a value a schema cannot hold) leaves its drift to people: the finding is ALERTED with the
     * error's code, and the run goes on, since the next run would fail on it just the same. What
     * may pass (Kafka or the registry out of reach) fails the run, to continue from the cursor.
     */
    const healed = async (found: DriftFinding, planned: DriftAction) => {
      let done: { action: DriftAction; finding: DriftFinding } = { action: planned, finding: found };
      try {
        done = await heal(healer, found, planned, clock(), config.topics.status);
        await healer.record(done.finding, done.action, runId, clock());
        return done;
      } catch (err) {
        if (isCloseloopError(err) && err.retriable) throw err;
        const code = isCloseloopError(err) ? err.code : 'unknown';
        log.error(
          { runId, ticketId: found.ticketId, kind: found.kind, action: done.action, code, error: messageOf(err) },
          'drift could not be healed or recorded; left for people',
        );
        const what = done.action === planned ? `${planned} failed` : `recording it (${done.action}) failed`;
        const finding = { ...done.finding, detail: `${done.finding.detail}; ${what} with ${code}` };
        await healer.record(finding, 'ALERTED', runId, clock()).catch((again: unknown) => {
          if (isCloseloopError(again) && again.retriable) throw again;
          log.error(
            { runId, ticketId: found.ticketId, code: isCloseloopError(again) ? again.code : 'unknown' },
            'drift left for people could not be recorded on the drift topic',
          );
        });
        return { action: 'ALERTED' as const, finding };
      }
    };
    let last = resumed?.after ?? null;
    let stopped: string | null = null;
    for (const t of todo) {
      const unansweredBefore = pacer.unanswered;
      let observed: Awaited<ReturnType<typeof observe>>;
      try {
        observed = await observe(t);
      } catch (err) {
        if (!(err instanceof RunEnded)) throw err;
        stopped = err.reason;
        break;
      }
      const { crm, workOrders } = observed;
      const findings = classifyDrift(t, { ...(crm !== undefined ? { crm } : {}), workOrders }, config.policy);
      // The CRM catches up first, so statuses the processor sends after an observation follow the re-sent ones.
      findings.sort((a, b) => Number(b.kind === 'CRM_BEHIND') - Number(a.kind === 'CRM_BEHIND'));
      // Judged against the snapshot the run began with: a ticket that moved on since is not drift.
      const moved = findings.length > 0 && !(await latest.unchanged(t));
      if (moved) {
        changed += 1;
        log.info({ runId, ticketId: t.ticketId }, 'ticket changed since the run read it; left for the next run');
      }
      const found = new Set<string>();
      for (const finding of moved ? [] : findings) {
        const planned = writes ? actionFor(finding, config.reconcile.closedByHand) : null;
        const { action, finding: f } = planned ? await healed(finding, planned) : { action: null, finding };
        o.metrics?.drift.inc({ kind: f.kind, department: f.department ?? '311' });
        const logged = {
          runId,
          ticketId: f.ticketId,
          kind: f.kind,
          department: f.department,
          action,
          detail: f.detail,
        };
        if (action === 'ALERTED') log.error(logged, 'drift that cannot be healed');
        else log.warn(logged, 'drift found');
        outcomes.push({ finding: f, action });
        if (action === 'ALERTED') found.add(driftAlertId(f));
        if (action === 'ALERTED') await alerts?.raise(f, clock());
      }
      // Every system answered: an alert of the ticket not raised again is drift that is gone.
      if (!moved && pacer.unanswered === unansweredBefore) await alerts?.clearTicket(t.ticketId, found, clock());
      checked += 1;
      last = t.ticketId;
      if (checked % (o.cursorEvery ?? CURSOR_EVERY) === 0) await saveCursor(t.ticketId, false);
    }
    await saveCursor(last, stopped === null);
    if (alerts && stopped === null && o.ticketId === undefined && o.since === undefined) {
      const checkable = candidates(states, { now: started, closedWindowMs, settleMs: 0 }).tickets;
      await alerts.clearUnchecked(new Set(checkable.map((t) => t.ticketId)), clock());
    }
    const driftAlerts = alerts?.open() ?? [];
    if (alerts) o.metrics?.driftUnhealed.set(driftAlerts.length);
    const ms = clock() - started;
    const unanswered = pacer.unanswered;
    // Ended by a stopping worker is routine; ended by a system's wait leaves tickets unjudged.
    const said = { runId, checked, findings: outcomes.length, unanswered, ms, stopped };
    if (stopped === null) log.info(said, 'reconciliation finished');
    else if (stopped === 'stopped')
      log.info(said, 'reconciliation stopped; the next run continues after the last ticket checked');
    else log.warn(said, 'reconciliation ended early; the next run continues after the last ticket checked');
    const resumedAfter = resumed?.after ?? null;
    return {
      runId,
      resumedAfter,
      checked,
      settling,
      changed,
      unanswered,
      outcomes,
      ms,
      stopped: stopped !== null,
      stoppedBecause: stopped,
      driftAlerts,
      notChecked,
    };
  } finally {
    if (writes) await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
