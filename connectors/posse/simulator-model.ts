import { z } from 'zod';

/** The POSSE simulator's records, settings and request bodies, apart from its behaviour. */

/** The last process a job completed: what the job view shows as its current state. */
export interface JobProcess {
  readonly outcome: string;
  readonly outcomeLabel: string;
  readonly at: number;
  readonly note: string | null;
  readonly expectedAt: number | null;
}

export interface Job {
  readonly jobId: string;
  readonly externalRef: string;
  readonly ticketId: string;
  readonly department: string;
  readonly serviceCode: string | null;
  readonly description: string | null;
  priority: number;
  status: 'Open' | 'Closed';
  notes: string[];
  readonly createdAt: number;
  /** Null until the first process completes. */
  lastProcess: JobProcess | null;
  /** Outcome codes still to come, in order. */
  plan: string[];
  done: boolean;
}

export interface ProcessChange {
  readonly seq: number;
  readonly at: number;
  readonly jobId: string;
  /** Null, and the ticket too, for a job the department opened itself (a permit, its own case). */
  readonly externalRef: string | null;
  readonly ticketId: string | null;
  readonly department: string;
  readonly outcome: string;
  readonly outcomeLabel: string;
  readonly jobStatus: 'Open' | 'Closed';
  readonly note: string | null;
  readonly expectedAt: number | null;
}

/** A process on a job the department opened itself (see PosseSimulator.departmentProcess). */
export interface DepartmentProcess {
  readonly jobId: string;
  readonly department: string;
  readonly outcome: string;
  readonly closed?: boolean;
}

/** Its change, at `now`: no 311 ticket made the job, so it carries no ticket or external reference. */
export function departmentChange(o: DepartmentProcess, now: number): Omit<ProcessChange, 'seq'> {
  return {
    jobId: o.jobId,
    externalRef: null,
    ticketId: null,
    department: o.department,
    jobStatus: o.closed ? 'Closed' : 'Open',
    outcome: o.outcome,
    outcomeLabel: LABELS[o.outcome] ?? o.outcome,
    at: now,
    note: null,
    expectedAt: null,
  };
}

export interface DepartmentBehaviour {
  /** Share of referrals rejected as "not ours". */
  readonly notOursRate: number;
  /** Share of jobs closed in POSSE at assignment while the work goes on. */
  readonly closeOnAssignRate: number;
  readonly holdRate: number;
  /** Share of jobs the department itself withdraws after intake. */
  readonly cancelRate: number;
  readonly noViolationRate: number;
  /** A review after a follow-up finds the work not done this often. */
  readonly reopenOnReviewRate: number;
  /** Share of completed processes whose change never reaches the feed (the job still moves). */
  readonly loseChangeRate: number;
  /**
   * Share of changes before which the sequence skips 1–3 seqs that never appear, as a rolled-back
   * save or a cached sequence's lost numbers leave them.
   */
  readonly sequenceGapRate: number;
  /**
   * Share of changes whose transaction commits `commitLagMs` (default 10 s) after the save that
   * numbered them: the feed shows changes saved later first, and this one only from then on.
   */
  readonly lateCommitRate: number;
  readonly commitLagMs: number;
}

export const LABELS: Readonly<Record<string, string>> = {
  INTAKE_ACCEPTED: 'Intake review: accepted',
  INSPECTOR_ASSIGNED: 'Inspector assigned',
  ASSIGNED_CLOSED: 'Inspector assigned; 311 job closed',
  INSPECTION_SCHEDULED: 'Inspection scheduled',
  INSPECTION_STARTED: 'Inspection started',
  HOLD_OWNER: 'On hold: owner response',
  HOLD_WEATHER: 'On hold: weather',
  COMPLIED: 'Complied',
  ABATED: 'Abated by city',
  NO_VIOLATION: 'No violation found',
  WITHDRAWN: 'Withdrawn',
  NOT_OURS: 'Not our jurisdiction',
};

export const newJobSchema = z
  .object({
    externalRef: z.string().min(1),
    ticketId: z.string().min(1),
    department: z.string().min(1),
    serviceCode: z.string().nullable(),
    description: z.string().nullable(),
    priority: z.number().int().min(1).max(5),
  })
  .strict();
