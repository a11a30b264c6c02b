/**
 * One ticket's status versions as bridge.ticket-status.v1 carries them: opened, routed (and sent
 * back as "not ours"), responded, held (pauses that end move the completion due out, or stay
 * open), resolved (with its own reason, as a duplicate or a follow-up), reopened (keeping its first
 * resolution), cancelled, declared a duplicate or linked as a follow-up and unlinked again, each
 * at an instant near one of its due dates (before, at, 1 ms after, long after).
 */
import fc from 'fast-check';
import type { ClosureReason, TicketLifecycleState } from '../../../src/domain/types.ts';
import type { StatusRead } from '../../../src/kpi/index.ts';
import { DAY, HOUR, MS, ZONES, instantNear } from './instants.ts';

export const DEPARTMENTS = ['housing', 'parks', 'solid-waste', 'transportation', 'water'] as const;
export const PARENTS = ['T0', 'T1', 'P-elsewhere'] as const;

const KINDS = [
  'route',
  'misroute',
  'respond',
  'pause',
  'resume',
  'resolve',
  'reopen',
  'cancel',
  'duplicate',
  'follow-up',
  'unlink',
  'update',
] as const;
type Kind = (typeof KINDS)[number];

export interface Step {
  readonly kind: Kind;
  readonly anchor: 'request' | 'response' | 'completion';
  readonly offset: number;
  readonly department: string;
  readonly parent: string | null;
  readonly reason: ClosureReason;
  readonly days: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  // Responses and resolutions most often, so R4 to R6 have populations to judge.
  kind: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...KINDS) },
    { weight: 1, arbitrary: fc.constantFrom<Kind>('respond', 'resolve') },
  ),
  anchor: fc.constantFrom('request', 'response', 'completion'),
  offset: fc.oneof(
    fc.constantFrom(-DAY, -HOUR, -MS, 0, MS, HOUR, DAY, 40 * DAY),
    fc.integer({ min: -10 * DAY, max: 60 * DAY }),
  ),
  department: fc.constantFrom(...DEPARTMENTS),
  parent: fc.oneof(fc.constantFrom(...PARENTS), fc.constant(null)),
  reason: fc.constantFrom<ClosureReason>('WORK_COMPLETED', 'NO_ACTION_REQUIRED', 'FOLLOW_UP', 'DUPLICATE'),
  // Thousandths of a day, so the oracle's rounding is exact; half-way cases (x.xx5) are common.
  days: fc.integer({ min: 0, max: 40_000 }).map((n) => n / 1000),
});

const ROUTE: Step = {
  kind: 'route',
  anchor: 'request',
  offset: 0,
  department: 'parks',
  parent: null,
  reason: 'WORK_COMPLETED',
  days: 0,
};

export interface TicketPlan {
  readonly zone: string | null;
  readonly sla: boolean;
  readonly dues: readonly [number, number];
  readonly waited: number;
  readonly routed: string | null;
  readonly firstVersion: number;
  readonly steps: readonly Step[];
}

/** A ticket of `housing` that resolves near its completion due: busy months give R6 many values to rank. */
const busySteps = fc
  .tuple(stepArb, fc.integer({ min: -5 * DAY, max: HOUR }), fc.array(stepArb, { maxLength: 2 }))
  .map(([first, offset, rest]): Step[] => [{ ...first, kind: 'resolve', anchor: 'completion', offset }, ...rest]);

export const planArb = (month: string, busy = false): fc.Arbitrary<TicketPlan> =>
  fc.constantFrom<string | null>(...ZONES, null).chain((zone) =>
    fc.record({
      zone: fc.constant(zone),
      sla: fc.boolean().map((b) => b || zone !== null),
      dues: fc.tuple(instantNear(month, zone ?? 'UTC'), instantNear(month, zone ?? 'UTC')),
      waited: fc.oneof(fc.constantFrom(0, MS, DAY), fc.integer({ min: 0, max: 15 * DAY })),
      routed: busy
        ? fc.constant('housing')
        : fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...DEPARTMENTS) },
            { weight: 1, arbitrary: fc.constant(null) },
          ),
      firstVersion: fc.constantFrom(1, 7),
      steps: busy ? busySteps : fc.array(stepArb, { maxLength: 7 }),
    }),
  );

interface State {
  lifecycleState: TicketLifecycleState;
  closureReason: ClosureReason | null;
  duplicateOf: string | null;
  followUpOf: string | null;
  workOrders: { department: string; misrouted: boolean }[];
  completionDueAt: number | null;
  respondedAt: number | null;
  resolvedAt: number | null;
  pausedAt: number | null;
  business: number | null;
  calendar: number | null;
}

const closed = (s: State) => s.lifecycleState === 'RESOLVED' || s.lifecycleState === 'CANCELLED';
const working = (s: State): TicketLifecycleState => (s.workOrders.length > 0 ? 'ROUTED' : 'NEW');

/** What one step does to the ticket; a step that does not fit its state leaves it as it is (a plain update). */
function apply(s: State, step: Step, at: number): void {
  switch (step.kind) {
    case 'route':
    case 'misroute': {
      const last = s.workOrders.at(-1);
      if (step.kind === 'misroute' && last) last.misrouted = true;
      s.workOrders.push({ department: step.department, misrouted: false });
      if (s.lifecycleState === 'NEW') s.lifecycleState = 'ROUTED';
      return;
    }
    case 'respond':
      if (!closed(s) && s.respondedAt === null) [s.respondedAt, s.lifecycleState] = [at, 'ASSIGNED'];
      return;
    case 'pause':
      if (!closed(s) && s.pausedAt === null) [s.pausedAt, s.lifecycleState] = [at, 'ON_HOLD'];
      return;
    case 'resume':
      // A pause that ended has moved the completion due out by its length.
      if (s.pausedAt === null) return;
      if (s.completionDueAt !== null) s.completionDueAt += at - s.pausedAt;
      [s.pausedAt, s.lifecycleState] = [null, 'IN_PROGRESS'];
      return;
    case 'resolve': {
      if (closed(s)) return;
      const reason = s.lifecycleState === 'DUPLICATE' ? 'DUPLICATE' : step.reason;
      [s.lifecycleState, s.closureReason, s.pausedAt] = ['RESOLVED', reason, null];
      // A reopen keeps the first resolution, and with it the days to resolve.
      // Without a parent drawn, its clock had no business calendar (an export's own due date).
      if (s.resolvedAt === null)
        [s.resolvedAt, s.business, s.calendar] = [at, step.parent === null ? null : step.days, step.days + 1];
      return;
    }
    case 'reopen':
      if (s.lifecycleState === 'RESOLVED')
        [s.lifecycleState, s.closureReason, s.duplicateOf] = ['REOPENED', null, null];
      return;
    case 'cancel':
      if (s.lifecycleState !== 'CANCELLED')
        [s.lifecycleState, s.closureReason, s.pausedAt] = ['CANCELLED', 'CANCELLED_BY_REQUESTOR', null];
      return;
    case 'duplicate':
      if (!closed(s)) [s.lifecycleState, s.duplicateOf] = ['DUPLICATE', step.parent];
      return;
    case 'follow-up':
      if (step.parent !== null) s.followUpOf = step.parent;
      return;
    case 'unlink':
      if (s.lifecycleState === 'DUPLICATE') s.lifecycleState = working(s);
      [s.duplicateOf, s.followUpOf] = [null, null];
      return;
    case 'update':
      return;
  }
}

/** The ticket's status versions, in version order, for a jurisdiction whose zone is `fallback`. */
export function statusesOf(id: string, plan: TicketPlan): StatusRead[] {
  const [responseDueAt, completionDueAt] = [...plan.dues].sort((a, b) => a - b) as [number, number];
  const requestedAt = responseDueAt - plan.waited;
  const anchors = { request: requestedAt, response: responseDueAt, completion: completionDueAt };
  const steps = [
    ...(plan.routed === null ? [] : [{ at: requestedAt, step: { ...ROUTE, department: plan.routed } }]),
    ...plan.steps.map((step) => ({ at: Math.max(requestedAt, anchors[step.anchor] + step.offset), step })),
  ].sort((a, b) => a.at - b.at);
  const s: State = {
    ...{ lifecycleState: 'NEW', closureReason: null, duplicateOf: null, followUpOf: null, workOrders: [] },
    ...{ completionDueAt: plan.sla ? completionDueAt : null, respondedAt: null, resolvedAt: null, pausedAt: null },
    ...{ business: null, calendar: null },
  };
  const out = [status(id, plan, plan.firstVersion, requestedAt, s, requestedAt, responseDueAt)];
  for (const { at, step } of steps) {
    apply(s, step, at);
    out.push(status(id, plan, plan.firstVersion + out.length, at, s, requestedAt, responseDueAt));
  }
  return out;
}

function status(
  id: string,
  plan: TicketPlan,
  version: number,
  at: number,
  s: State,
  requestedAt: number,
  responseDueAt: number,
): StatusRead {
  const resolved = s.lifecycleState === 'RESOLVED' || s.lifecycleState === 'CANCELLED';
  return {
    envelope: {
      eventId: `${id}-${version}`,
      jurisdiction: 'city',
      source: 'closeloop-processor',
      sequence: null,
      occurredAt: at,
      origin: 'closeloop',
      correlationId: null,
    },
    ticketId: id,
    version,
    crmStatus: resolved ? 'CLOSED' : 'OPEN',
    lifecycleState: s.lifecycleState,
    publicStatusCode: s.lifecycleState.toLowerCase(),
    statusNote: '',
    expectedAt: null,
    closureReason: s.closureReason,
    closureNote: null,
    duplicateOf: s.duplicateOf,
    followUpOf: s.followUpOf,
    agencyResponsible: s.workOrders.at(-1)?.department ?? null,
    serviceCode: 'SR-POTHOLE',
    channel: null,
    priority: 3,
    workOrders: s.workOrders.map((w, i) => ({
      workOrderId: `${id}#${i}`,
      department: w.department,
      system: 'maximo',
      state: 'ASSIGNED' as const,
      rawStatus: null,
      misrouted: w.misrouted,
    })),
    requestedAt,
    slaPolicy: plan.sla ? 'SR-POTHOLE' : null,
    slaTimeZone: plan.zone,
    responseDueAt: plan.sla ? responseDueAt : null,
    completionDueAt: s.completionDueAt,
    respondedAt: s.respondedAt,
    resolvedAt: s.resolvedAt,
    responseBreached: false,
    completionBreached: false,
    slaPaused: s.pausedAt !== null,
    slaPausedAt: s.pausedAt,
    holdReason: s.pausedAt === null ? null : 'AWAITING_REQUESTOR',
    businessDaysToResolve: s.business,
    calendarDaysToResolve: s.calendar,
  };
}
