import { z } from 'zod';
import { HttpError, type FaultSettings } from '../../src/sdk/index.ts';
import type { HrefRoot } from './simulator-href.ts';

/** The Maximo simulator's options, records, status rules and request bodies, apart from its behaviour. */

export interface MaximoSimulatorOptions {
  readonly faults?: Partial<FaultSettings>;
  readonly behaviour?: Partial<CrewBehaviour>;
  readonly seed?: number;
  readonly clock?: () => number;
  /** The API key the apikey header must carry; none: any caller is let in. */
  readonly apiKey?: string;
  /** See MaximoSimulator.hrefBase. */
  readonly hrefBase?: string;
  /** The REST root of its hrefs (see HrefRoot); default `/maximo/oslc`, as Maximo's webappurl. */
  readonly hrefRoot?: HrefRoot;
  /** The LOGTYPE domain a work log entry's type must be in; default Maximo's own four. */
  readonly logTypes?: readonly string[];
  /** The work log type by which a supervisor is asked to review finished work; default UPDATE. */
  readonly reviewLogType?: string;
  /**
   * false: an object structure without the WORKLOG child, whose work orders are read without
   * their work log (entries PATCHed in are kept all the same). Default true.
   */
  readonly worklogInStructure?: boolean;
  /**
   * false: a Maximo, or a gateway before it, that does not honour the `properties` header: a POST
   * is answered 201 with its Location alone, a PATCH 204. Default true.
   */
  readonly propertiesHeader?: boolean;
  /**
   * The site's own values of the WOSTATUS synonym domain, each with its internal value
   * (`{ CANCELLED: 'CAN' }`): a work order can be set to one, is answered with it as its status
   * and with the internal value as status_maxvalue, and moves by the rules of the internal value.
   */
  readonly statusSynonyms?: Readonly<Record<string, string>>;
  /**
   * The app server's IANA zone, for a Maximo whose database keeps local times: queries compare
   * dates in it and dates are answered at its offset (see simulator-query.ts). Default: instants.
   */
  readonly serverZone?: string;
  /** The offset a local time the clocks repeat is answered at: 'later' (default, as Maximo's Java) or 'earlier'. */
  readonly repeatedHourAt?: 'later' | 'earlier';
  /**
   * false, with serverZone: dates are answered as the local times kept, without an offset
   * (`2024-03-01T10:00:02`), as some setups' REST API writes them. Default true.
   */
  readonly datesWithOffset?: boolean;
  /** The length of WOSTATUS.MEMO: a status change with a longer memo is refused whole; default 50. */
  readonly statusMemoLength?: number;
  /**
   * false: a Maximo that does not keep a query's result set. stablepaging=true is ignored and
   * every page runs the query again at its offset (pageno), as a fix pack without stable paging
   * does, or a cluster whose next-page request lands on another JVM. Default true.
   */
  readonly stablePaging?: boolean;
}

export interface WorkLog {
  readonly worklogid: number;
  readonly logtype: string;
  readonly description: string;
  readonly description_longdescription: string | null;
  readonly createdate: string;
}

/** A work order as the MXWO object structure holds it; null attributes are left out of JSON. */
export interface WorkOrder {
  readonly workorderid: number;
  readonly wonum: string;
  readonly siteid: string;
  description: string | null;
  status: string;
  statusdate: string;
  changedate: string;
  wopriority: number | null;
  readonly origrecordid: string | null;
  readonly origrecordclass: string | null;
  readonly externalrefid: string | null;
  readonly reportdate: string;
  schedstart: string | null;
  worklog: WorkLog[];
  /** The database row version: every update takes the next one, across all records. */
  _rowstamp: string;
}

/** The simulator's own plans for a work order: what the crews will do, never shown by the API. */
export interface CrewPlan {
  /** Statuses still to come, in order; WAIT is a tick on which nothing happens to it. */
  steps: string[];
  /** A 311 follow-up asked a supervisor to look at the finished work. */
  reviewRequested: boolean;
}

export interface CrewBehaviour {
  /** Share of work orders a planner cancels instead of approving. */
  readonly cancelRate: number;
  /** Share of jobs that wait for material (WMATL) before work starts. */
  readonly materialRate: number;
  /** Share of jobs closed straight from INPRG, without a COMP in between. */
  readonly closeWithoutCompRate: number;
  /** Ticks between COMP and the administrative CLOSE ("days later"). */
  readonly closeAfterTicks: number;
}

/** The steps crews with `b`'s habits take a new work order through, drawn with the random `r`. */
export function crewPlan(b: CrewBehaviour, r: () => number): string[] {
  if (r() < b.cancelRate) return r() < 0.5 ? ['CAN'] : ['APPR', 'CAN'];
  const wait = Array.from({ length: b.closeAfterTicks }, () => 'WAIT');
  return [
    'APPR',
    'WSCH',
    ...(r() < b.materialRate ? ['WMATL'] : []),
    'INPRG',
    ...(r() < b.closeWithoutCompRate ? ['CLOSE'] : ['COMP', ...wait, 'CLOSE']),
  ];
}

export const LABELS: Readonly<Record<string, string>> = {
  WAPPR: 'Waiting on Approval',
  APPR: 'Approved',
  WSCH: 'Waiting to be Scheduled',
  WMATL: 'Waiting on Material',
  WPCOND: 'Waiting on Plant Cond',
  INPRG: 'In Progress',
  COMP: 'Completed',
  CLOSE: 'Closed',
  CAN: 'Canceled',
};

/**
 * Which status may follow which, as Maximo's status rules have them: CLOSE and CAN are history
 * (no way out), a completed work order can only be closed, and nothing goes back to WAPPR once
 * work has started.
 */
export const NEXT_STATUS: Readonly<Record<string, readonly string[]>> = {
  WAPPR: ['APPR', 'WSCH', 'WMATL', 'WPCOND', 'INPRG', 'COMP', 'CLOSE', 'CAN'],
  APPR: ['WAPPR', 'WSCH', 'WMATL', 'WPCOND', 'INPRG', 'COMP', 'CLOSE', 'CAN'],
  WSCH: ['APPR', 'WMATL', 'WPCOND', 'INPRG', 'COMP', 'CLOSE', 'CAN'],
  WMATL: ['APPR', 'WSCH', 'WPCOND', 'INPRG', 'COMP', 'CLOSE', 'CAN'],
  WPCOND: ['APPR', 'WSCH', 'WMATL', 'INPRG', 'COMP', 'CLOSE', 'CAN'],
  INPRG: ['WSCH', 'WMATL', 'WPCOND', 'COMP', 'CLOSE', 'CAN'],
  COMP: ['CLOSE'],
  CLOSE: [],
  CAN: [],
};

const worklogSchema = z
  .object({
    logtype: z.string().min(1).default('CLIENTNOTE'),
    description: z.string().min(1).max(100),
    description_longdescription: z.string().optional(),
  })
  // WORKLOG has no column for another system's reference: an externalrefid sent is not kept.
  .loose();

export const newWorkOrderSchema = z
  .object({
    siteid: z.string().min(1),
    description: z.string().max(100).optional(),
    description_longdescription: z.string().optional(),
    wopriority: z.number().int().min(1).max(9).optional(),
    origrecordid: z.string().optional(),
    origrecordclass: z.string().optional(),
    externalrefid: z.string().optional(),
    reportedby: z.string().optional(),
    status: z.literal('WAPPR').optional(),
  })
  .loose();

/**
 * A PATCH: a status change (with its memo, the non-persistent np_statusmemo; an attribute the
 * object structure does not know, as `memo`, is ignored), a priority, and work log entries to add.
 */
export const updateSchema = z
  .object({
    status: z.string().optional(),
    np_statusmemo: z.string().optional(),
    wopriority: z.number().int().min(1).max(9).optional(),
    worklog: z.array(worklogSchema).optional(),
  })
  .loose();

/**
 * A PATCH's body, checked before anything changes, as Maximo saves a PATCH whole or not at all:
 * the work order must not be in history (`internal`: its status's internal value), work log types
 * must be values of the LOGTYPE domain, and a status memo must fit WOSTATUS.MEMO.
 */
export function checkedUpdate(
  body: unknown,
  wo: WorkOrder,
  rules: { readonly logTypes: ReadonlySet<string>; readonly memoLength: number; readonly internal: string },
): z.infer<typeof updateSchema> {
  const u = updateSchema.parse(body);
  // CLOSE and CAN are history: Maximo keeps the record read-only, its priority and work log too.
  if (rules.internal === 'CLOSE' || rules.internal === 'CAN')
    throw new HttpError(400, `Work order ${wo.wonum} is in history (status ${wo.status}) and cannot be modified.`);
  for (const l of u.worklog ?? [])
    if (!rules.logTypes.has(l.logtype))
      throw new HttpError(400, `${l.logtype} is not a value of the LOGTYPE domain (worklog.logtype)`);
  if (u.status !== undefined && (u.np_statusmemo?.length ?? 0) > rules.memoLength)
    throw new HttpError(
      400,
      `BMXAA4590E - Could not change Work Order ${wo.wonum} status. BMXAA4049E - The value specified ` +
        `exceeds the maximum field length (WOSTATUS.MEMO, ${rules.memoLength}).`,
    );
  return u;
}

/** Adds a work log entry to a work order, created at `createdate`. */
export function addWorklog(
  wo: WorkOrder,
  l: { readonly logtype: string; readonly description: string; readonly description_longdescription?: string },
  createdate: string,
): void {
  const { logtype, description } = l;
  const long = l.description_longdescription ?? null;
  wo.worklog.push({
    worklogid: wo.worklog.length + 1,
    logtype,
    description,
    description_longdescription: long,
    createdate,
  });
}
