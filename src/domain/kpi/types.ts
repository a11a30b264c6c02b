import type { ClosureReason, LinkType, TicketLifecycleState, ViolationKind } from '../types.ts';

/** Bumped whenever a rule in docs/kpi.md changes; every KPI record carries it. */
export const KPI_DEFINITION_VERSION = 3;

/** Department under which a never-routed ticket (department null) is counted. */
export const UNROUTED = 'unrouted';

/** The latest status of one ticket, as published on bridge.ticket-status.v1 (v2 fields). */
export interface KpiTicket {
  readonly ticketId: string;
  /** The department that holds (or held, at resolution) the work; null = never routed. */
  readonly department: string | null;
  readonly serviceCode: string | null;
  /** How the request reached 311; absent from statuses written before status schema v3. */
  readonly channel?: string | null;
  readonly lifecycleState: TicketLifecycleState;
  readonly closureReason: ClosureReason | null;
  readonly duplicateOf: string | null;
  /** The original, when this ticket is a confirmed follow-up (it mirrors the original's work). */
  readonly followUpOf: string | null;
  /** Epoch ms. */
  readonly requestedAt: number | null;
  /** null when no SLA policy applies. */
  readonly responseDueAt: number | null;
  /** Final, after pauses. */
  readonly completionDueAt: number | null;
  readonly respondedAt: number | null;
  /** When the completion clock stopped (RESOLVED with a reason), else null. */
  readonly resolvedAt: number | null;
  /** Completion clock elapsed, pauses excluded (fractional). */
  readonly businessDaysToResolve: number | null;
  /** Wall time / 86 400 000, pauses included. */
  readonly calendarDaysToResolve: number | null;
  /**
   * Start of the completion clock's open pause, else null. While it is open, completionDueAt
   * is not final: it moves out by the time that was left when the pause started.
   */
  readonly pausedAt: number | null;
  /** Zone of the ticket's SLA calendar, in which its month is judged. */
  readonly timeZone: string;
  /**
   * The ticket as it stood at its first resolution (the lowest status version with `resolvedAt`),
   * which R3 judges it by: the resolution keeps its month through a reopen, so a cancel or a
   * duplicate link after the reopen must not take it out of that month's published figures.
   * Null or absent when not known (a reader with only the latest status): the current state is
   * judged, as before.
   */
  readonly atResolution?: KpiResolutionView | null;
  /**
   * When the ticket became what R3 judges it (cancelled, a duplicate or a follow-up): the instant of
   * the first status of the unbroken run of such statuses that the judged one ends. A target that
   * fell due before it keeps its verdict: cancelling an overdue ticket later must not take its late
   * verdict out of a month already published. Null or absent when the ticket is none of those, or
   * when not known (a reader with only the latest status): then R3 leaves every target out, as before.
   */
  readonly excludedSince?: number | null;
  /**
   * When the ticket became the duplicate R3 judges it: the instant of the first status of the
   * unbroken run of duplicate statuses that the judged one ends (its link, not its resolution with
   * the parent). R8 counts it in that month, which no later event moves. Null or absent when it is
   * no duplicate or when not known (a reader with only the latest status): then its requestedAt.
   */
  readonly duplicateSince?: number | null;
}

/**
 * What R3 looks at to tell a duplicate, a follow-up or a cancellation, and the department the
 * ticket counts under (a reopen routed elsewhere must not move a published month's figures).
 */
export interface KpiResolutionView {
  readonly department: string | null;
  readonly lifecycleState: TicketLifecycleState;
  readonly closureReason: ClosureReason | null;
  readonly duplicateOf: string | null;
  readonly followUpOf: string | null;
}

/** Violation kinds that some KPI counts (R7–R9); every other kind is ignored. */
export const KPI_VIOLATION_KINDS = [
  'PREMATURE_CLOSE',
  'MISROUTE',
  'MISSING_PARENT',
  'UNKNOWN_PARENT',
  'PARENT_IS_DUPLICATE',
] as const satisfies readonly ViolationKind[];

/** A policy violation from bridge.quarantine.v1. */
export interface KpiViolation {
  readonly ticketId: string;
  readonly kind: ViolationKind;
  readonly department: string | null;
  readonly occurredAt: number;
  /** For link problems: the kind of link that was refused. Only a refused DUPLICATE link counts in R8. */
  readonly linkType: LinkType | null;
}

/** One per department and month; becomes the Avro record on bridge.kpi.v1. */
export interface KpiRecord {
  readonly definitionVersion: number;
  readonly department: string;
  /** YYYY-MM. */
  readonly month: string;
  readonly computedAt: number;
  readonly responseDue: number;
  readonly respondedOnTime: number;
  readonly respondedOnTimePct: number | null;
  readonly completionDue: number;
  readonly completedOnTime: number;
  readonly completedOnTimePct: number | null;
  readonly resolved: number;
  readonly medianBusinessDaysToResolve: number | null;
  readonly p90BusinessDaysToResolve: number | null;
  readonly medianCalendarDaysToResolve: number | null;
  readonly prematureClosesBlocked: number;
  readonly duplicatesClosed: number;
  readonly duplicatesLinked: number;
  readonly duplicateLinkCoveragePct: number | null;
  readonly misroutes: number;
  /** In the completion population, not yet resolved, due already passed. */
  readonly stillOpenPastDue: number;
  /** Distinct drifts reconciliation found, in the month of their first finding (R11). */
  readonly drift: number;
  /** Of drift, tickets closed by hand in the CRM while their work was open. */
  readonly closedByHand: number;
  /** Who answers for the department's work (its service owner); null without a roles file. */
  readonly accountable: string | null;
}

/** A reconciliation finding from bridge.drift.v1 (R11). */
export interface KpiDrift {
  /** The same drift found by several runs shares it, and counts once. */
  readonly driftId: string;
  readonly kind: string;
  readonly department: string | null;
  readonly occurredAt: number;
}
