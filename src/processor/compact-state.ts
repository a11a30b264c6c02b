import type { Policy, TicketState, TicketWatch, WorkOrderRecord } from '../domain/index.ts';
import type { SlaClock } from '../domain/sla/index.ts';

/**
 * How the processor holds a ticket's state in memory: the same values, in fewer bytes. Every
 * ticket is held for as long as it is open (and `retentionDays` after), so what one ticket costs
 * sets how many an instance can own. Nothing here changes a value: the domain sees the state it
 * decided, the changelog gets the same record.
 *
 * - Vocabulary strings (jurisdiction, service code, department, system, department code, hold
 *   reason, a mapping's public note, SLA policy and calendar names) are one shared copy each, instead of one per ticket
 *   and field as every Avro decode (and every decoded event) makes them. The pool is bounded,
 *   so a vocabulary larger than expected costs only its own copies, never unbounded memory.
 * - Empty lists are one frozen empty array, and a one-department `departmentsTried` one frozen
 *   list per department (the domain never mutates state; frozen makes sure).
 * - Times: V8 keeps a number that is not a small integer in a 16-byte box, and an object field
 *   that has only ever held numbers in a box of its own, allocated per object and per field.
 *   The objects below are built by the literals here, whose fields have held null once (see
 *   `warm`), so they point at immutable numbers instead: a ticket's equal times (its update,
 *   the state's start, the status sent, the work order seen are often one instant) share one,
 *   and small integers (positions, versions, zero totals) need none.
 */
const POOL_LIMIT = 65_536;
const pool = new Map<string, string>();
const singletons = new Map<string, readonly string[]>();
const NONE: readonly never[] = Object.freeze([]);

/** The pooled copy of a vocabulary string; past the pool's limit, the string itself. */
export function intern<T extends string | null>(s: T): T {
  if (s === null) return s;
  const hit = pool.get(s);
  if (hit !== undefined) return hit as T;
  if (pool.size < POOL_LIMIT) pool.set(s, s);
  return s;
}

/**
 * The mappings' public notes, pooled only when they are one: a department's own note is free
 * text, which would fill the pool with strings no other ticket shares.
 */
const publicNotes = new Map<string, string>();

/**
 * Pools the configured vocabulary up front, so a restore shares the same copies the decisions
 * (whose notes come from the mappings) use.
 */
export function knowVocabulary(policy: Policy): void {
  intern(policy.jurisdiction);
  for (const [serviceCode, routes] of Object.entries(policy.routing)) {
    intern(serviceCode);
    for (const r of routes) [r.department, r.system].forEach(intern);
  }
  for (const mapping of Object.values(policy.mappings)) {
    intern(mapping.system);
    for (const [code, entry] of Object.entries(mapping.codes)) {
      intern(code);
      if (entry.holdReason) intern(entry.holdReason);
      if (entry.publicNote && publicNotes.size < POOL_LIMIT) publicNotes.set(entry.publicNote, entry.publicNote);
    }
  }
}

const list = <T>(xs: readonly T[]): readonly T[] => (xs.length === 0 ? NONE : xs);

function vocabularyList(xs: readonly string[]): readonly string[] {
  const [only] = xs;
  if (only === undefined) return NONE;
  if (xs.length > 1) return xs.map(intern);
  const hit = singletons.get(only);
  if (hit) return hit;
  const one = Object.freeze([intern(only)]);
  if (singletons.size < POOL_LIMIT) singletons.set(only, one);
  return one;
}

/** One number per distinct time of a ticket (see above). */
class Times {
  // Starts with a non-number so that V8 keeps pointers to the numbers, not copies of their values.
  readonly #seen: (number | null)[] = [null];

  of<T extends number | null>(n: T): T {
    if (n === null) return n;
    for (const m of this.#seen) if (Object.is(m, n)) return m as T;
    this.#seen.push(n);
    return n;
  }
}

/** The same state, held compactly (see above). */
export function compactState(t: TicketState): TicketState {
  const times = new Times();
  const workOrders = list(t.workOrders.map((w) => workOrder(w, times)));
  const compact = {
    ticketId: t.ticketId,
    jurisdiction: intern(t.jurisdiction),
    serviceCode: intern(t.serviceCode),
    channel: t.channel,
    description: t.description,
    requestedAt: times.of(t.requestedAt),
    state: t.state,
    version: t.version,
    priority: t.priority,
    workOrders,
    departmentsTried: vocabularyList(t.departmentsTried),
    closureReason: t.closureReason,
    closureNote: t.closureNote,
    parent: t.parent,
    children: list(t.children),
    reviewPending: t.reviewPending,
    notes: list(t.notes),
    recentEventIds: t.recentEventIds,
    crmPosition: t.crmPosition,
    lastStatusKey: t.lastStatusKey,
    closedAt: times.of(t.closedAt),
    updatedAt: times.of(t.updatedAt),
    sla: t.sla && sla(t.sla, times),
    watch: t.watch && watch(t.watch, times),
  } satisfies Record<keyof TicketState, unknown>;
  return compact;
}

function workOrder(w: WorkOrderRecord, times: Times): WorkOrderRecord {
  return {
    workOrderId: w.workOrderId,
    department: intern(w.department),
    system: intern(w.system),
    state: w.state,
    rawStatus: intern(w.rawStatus),
    publicNote: w.publicNote === null ? null : (publicNotes.get(w.publicNote) ?? w.publicNote),
    expectedAt: times.of(w.expectedAt),
    closureReason: w.closureReason,
    lastPosition: w.lastPosition,
    misrouted: w.misrouted,
    holdReason: intern(w.holdReason),
    seenAt: times.of(w.seenAt),
  } satisfies Record<keyof WorkOrderRecord, unknown>;
}

function sla(c: SlaClock, times: Times): SlaClock {
  return {
    policy: intern(c.policy),
    calendar: intern(c.calendar),
    startedAt: times.of(c.startedAt),
    responseDueAt: times.of(c.responseDueAt),
    completionDueAt: times.of(c.completionDueAt),
    completionUnit: c.completionUnit,
    respondedAt: times.of(c.respondedAt),
    resolvedAt: times.of(c.resolvedAt),
    pauses: list(c.pauses),
    pausedBusinessDays: c.pausedBusinessDays,
    pausedMs: c.pausedMs,
    responseBreached: c.responseBreached,
    completionBreached: c.completionBreached,
    timeZone: intern(c.timeZone ?? null),
    responseUnit: c.responseUnit ?? null,
    businessDaysToResolve: c.businessDaysToResolve ?? null,
  } satisfies Record<keyof SlaClock, unknown>;
}

function watch(w: TicketWatch, times: Times): TicketWatch {
  return {
    stateSince: times.of(w.stateSince),
    statusSentAt: times.of(w.statusSentAt),
    confirmedVersion: w.confirmedVersion,
    alerts: list(w.alerts.map((a) => ({ ...a, department: intern(a.department) }))),
  } satisfies Record<keyof TicketWatch, unknown>;
}

/**
 * Each literal above once with null (or a string) in its number fields, at load: from then on
 * V8 keeps those fields as pointers to shared numbers, not as boxes of their own. The objects are
 * kept: V8 holds an object layout only while some object has it, and a layout made afresh after
 * they were collected would box again.
 */
function warm(): readonly object[] {
  const n = null as unknown as number;
  const times = { of: <T>(x: T) => x } as unknown as Times;
  const clock = { policy: '', calendar: '', pauses: NONE } as unknown as SlaClock;
  Object.assign(clock, { startedAt: n, responseDueAt: n, completionDueAt: n, pausedBusinessDays: n, pausedMs: n });
  return [
    sla(clock, times),
    workOrder({ workOrderId: '', department: '', system: '', lastPosition: n, seenAt: n } as WorkOrderRecord, times),
    watch({ stateSince: n, confirmedVersion: n, alerts: NONE } as unknown as TicketWatch, times),
    compactState({
      ticketId: '',
      jurisdiction: '',
      serviceCode: null,
      version: n,
      priority: n,
      workOrders: NONE,
      departmentsTried: NONE,
      children: NONE,
      notes: NONE,
      crmPosition: n,
      updatedAt: n,
      sla: null,
      watch: null,
    } as unknown as TicketState),
  ];
}
// Exported so that the module keeps it (an unused module-level binding may live on the stack only).
export const WARMED_LAYOUTS = warm();
