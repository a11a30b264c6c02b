import type { z } from 'zod';
import {
  ChangeCorruptor,
  FaultInjector,
  HttpError,
  SimulatorServer,
  seededRandom,
  type Corruption,
  type SimRequest,
  type SimResponse,
} from '../../src/sdk/index.ts';
import {
  addWorklog,
  crewPlan,
  NEXT_STATUS,
  newWorkOrderSchema,
  checkedUpdate,
  type CrewBehaviour,
  type CrewPlan,
  type MaximoSimulatorOptions,
  type WorkOrder,
} from './simulator-model.ts';
import { API_ROOTS } from './config.ts';
import { serveAdmin } from './simulator-admin.ts';
import { asAnswered, hrefOf, restId, workOrderHref, type HrefRoot } from './simulator-href.ts';
import { matches, orderBy, Pager, parseWhere, select, type LocalDates } from './simulator-query.ts';
import { LateCommits, Transactions, type ConflictStatus } from './simulator-transactions.ts';

export type { CrewBehaviour, CrewPlan, MaximoSimulatorOptions, WorkLog, WorkOrder } from './simulator-model.ts';

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');

/**
 * A stand-in for a Maximo-like work management system, behind the REST/JSON API of its MXWO
 * object structure: queries with oslc.where / oslc.orderBy / oslc.select, paging with
 * responseInfo.nextPage (stable paging on request), creation by POST, and updates by POST with
 * `x-method-override: PATCH` (a status change with its memo, the priority, work log entries),
 * every write under its transactionid (see Transactions).
 * Dates are kept to the second, as Maximo keeps them, so many work orders share a changedate.
 * Seeded crews move work orders on each tick(): approve, schedule, wait for material, start,
 * complete, and close days (ticks) later; planners cancel some, and some jobs are closed
 * without a COMP first. Besides the HTTP faults it can lose a change's changedate and commit a
 * change late, behind later ones (holdNextChanges), and save on an app server whose clock is off
 * the others' (clockSkewMs), as real Maximo servers do.
 */

export class MaximoSimulator {
  readonly server: SimulatorServer;
  readonly workOrders = new Map<string, WorkOrder>();
  readonly plans = new Map<string, CrewPlan>();
  /** Status changes made without a new changedate (a direct database update), for tests to check. */
  readonly lost: { readonly wonum: string; readonly status: string }[] = [];
  /** The status history (WOSTATUS) of every work order, with each change's memo, oldest first. */
  readonly statusHistory: { readonly wonum: string; readonly status: string; readonly memo: string | null }[] = [];
  /** Change queries (on changedate) answer with nothing: a system whose integration user is stalled. */
  feedPaused = false;
  /** Garbles a row version on its way out of queries (a status date without a time, a missing site). */
  readonly corruptor = new ChangeCorruptor();
  /**
   * Maximo is restarting behind WebSphere: every API call is answered 404 "Context Root Not
   * Found", collection queries too, as the application server answers for an app not yet up.
   */
  contextRootDown = false;
  /**
   * What Maximo writes before its paths in every href (work orders, next pages, Location), as
   * its webappurl properties say rather than as the bridge called it: behind a TLS-offloading
   * proxy `http://maximo.city.gov` for a bridge calling https, or an internal host; with a path
   * (`http://10.0.0.5:9080/other`) its hrefs fall outside the API root. Unset: the host called.
   */
  hrefBase: string | undefined;
  readonly #hrefRoot: HrefRoot;
  readonly #logTypes: ReadonlySet<string>;
  readonly #reviewLogType: string;
  readonly #transactions: Transactions;
  readonly #worklogInStructure: boolean;
  readonly #propertiesHeader: boolean;
  readonly #synonyms: Readonly<Record<string, string>>;
  readonly #memoLength: number;
  readonly #dates: LocalDates | undefined;
  /**
   * Runs before each collection query is answered, with how many were answered before it: a
   * test's crews change work orders while a reader pages through a query.
   */
  onQuery: ((answered: number) => void) | undefined;
  #answered = 0;
  readonly #behaviour: CrewBehaviour;
  readonly #random: () => number;
  readonly #clock: () => number;
  #apiKey: string | undefined;
  #loseNext = 0;
  readonly #late = new LateCommits();
  /**
   * How far the clock of the app server that saves the next changes is off the simulator's
   * (negative: behind). Each server of a cluster stamps statusdate and changedate with its own
   * clock, so a change saved later can carry an earlier date than the one before it; _rowstamp
   * still rises with every update.
   */
  clockSkewMs = 0;
  #nextId = 1;
  #rowstamp = 1_000_000;
  readonly #pager: Pager;

  constructor(options: MaximoSimulatorOptions = {}) {
    this.#behaviour = {
      cancelRate: 0,
      materialRate: 0,
      closeWithoutCompRate: 0,
      closeAfterTicks: 3,
      ...options.behaviour,
    };
    this.#random = seededRandom((options.seed ?? 1) + 11);
    this.#clock = options.clock ?? Date.now;
    this.#apiKey = options.apiKey;
    this.hrefBase = options.hrefBase;
    this.#hrefRoot = options.hrefRoot ?? '/maximo/oslc';
    this.#logTypes = new Set(options.logTypes ?? ['WORK', 'UPDATE', 'CLIENTNOTE', 'APPTNOTE']);
    this.#reviewLogType = options.reviewLogType ?? 'UPDATE';
    this.#worklogInStructure = options.worklogInStructure ?? true;
    this.#propertiesHeader = options.propertiesHeader ?? true;
    this.#synonyms = options.statusSynonyms ?? {};
    this.#memoLength = options.statusMemoLength ?? 50;
    const zone = options.serverZone;
    const offset = options.datesWithOffset ?? true;
    this.#dates = zone === undefined ? undefined : { zone, repeated: options.repeatedHourAt ?? 'later', offset };
    this.#pager = new Pager(options.stablePaging ?? true);
    this.server = new SimulatorServer(new FaultInjector(options.faults, options.seed ?? 1, this.#clock));
    const s = this.server;
    this.#transactions = new Transactions(this.#clock, () => s.arrivals);
    const auth = (f: (r: SimRequest) => SimResponse) => (r: SimRequest) => {
      if (this.contextRootDown) throw new HttpError(404, 'SRVE0255E: Context Root Not Found');
      if (this.#apiKey !== undefined && r.headers['apikey'] !== this.#apiKey)
        throw new HttpError(401, 'BMXAA7901E - You cannot log in at this time: the API key is not valid');
      return asAnswered(r, f(r));
    };
    const routes: [string, string, (r: SimRequest) => SimResponse][] = [
      ['GET', '', (r) => this.#query(r)],
      ['POST', '', (r) => this.#transactions.run(r, () => this.#create(r))],
      ['GET', '/:id', (r) => this.#show(r, this.#late.committed(this.#byRestId(r.params['id'])))],
      ['POST', '/:id', (r) => this.#transactions.run(r, () => this.#update(r), true)],
    ];
    for (const root of API_ROOTS)
      for (const [method, path, f] of routes) s.route(method, `${root}/os/mxwo${path}`, auth(f));
    serveAdmin(this, s);
  }

  start(port = 0): Promise<string> {
    return this.server.start(port);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /**
   * The next `count` updates meet another user's save of their work order (BMXAA8229W), answered
   * 412 as IBM documents it, or 409 or 400 as some versions and gateways do (default 409).
   */
  conflictNextUpdates(count: number, status: ConflictStatus = 409): void {
    this.#transactions.conflictNext(count, status);
  }

  /** Administrators revoke the integration's key and issue another (undefined: none needed). */
  rotateApiKey(key: string | undefined): void {
    this.#apiKey = key;
  }

  /** Every crew with work moves one of its work orders one step; returns how many moved. */
  tick(): number {
    let moved = 0;
    for (const [wonum, plan] of this.plans) {
      const wo = this.workOrders.get(wonum);
      if (!wo) continue;
      if (plan.reviewRequested) {
        // A supervisor looks at finished work after a 311 follow-up and closes it as reviewed.
        plan.reviewRequested = false;
        if (wo.status === 'COMP') {
          plan.steps = [];
          this.#setStatus(wo, 'CLOSE', 'Reviewed after a 311 follow-up: work stands.');
          moved += 1;
        }
        continue;
      }
      const step = plan.steps.shift();
      if (step === undefined || step === 'WAIT') continue;
      this.#setStatus(wo, step, null);
      moved += 1;
    }
    return moved;
  }

  /** A work order as a test sees it, by wonum or by the bridge's reference (externalrefid). */
  find(ref: string): WorkOrder | undefined {
    return this.workOrders.get(ref) ?? [...this.workOrders.values()].find((w) => w.externalrefid === ref);
  }

  /** Creates a work order as another user would (a planner, a test's seed), with the crews' plan. */
  addWorkOrder(fields: z.input<typeof newWorkOrderSchema>, steps?: string[]): WorkOrder {
    const n = newWorkOrderSchema.parse(fields);
    const now = iso(this.#saveTime());
    const id = this.#nextId++;
    const wo: WorkOrder = {
      workorderid: id,
      wonum: String(1000 + id),
      siteid: n.siteid,
      description: n.description ?? null,
      status: 'WAPPR',
      statusdate: now,
      changedate: now,
      wopriority: n.wopriority ?? null,
      origrecordid: n.origrecordid ?? null,
      origrecordclass: n.origrecordclass ?? null,
      externalrefid: n.externalrefid ?? null,
      reportdate: now,
      schedstart: null,
      worklog: [],
      _rowstamp: String(++this.#rowstamp),
    };
    this.workOrders.set(wo.wonum, wo);
    this.plans.set(wo.wonum, { steps: steps ?? crewPlan(this.#behaviour, this.#random), reviewRequested: false });
    this.corruptor.reached(wo._rowstamp);
    return wo;
  }

  /** Changes a work order's status now, as a crew member would in the Maximo UI. */
  changeStatus(ref: string, status: string, memo: string | null = null): void {
    const wo = this.find(ref);
    if (!wo) throw new Error(`no work order ${ref}`);
    this.#setStatus(wo, status, memo);
  }

  /** The next change (a new row version) is served garbled, as a customised or buggy Maximo would. */
  corruptNextChange(corruption: Corruption): void {
    this.corruptor.corruptNext(corruption);
  }

  /**
   * The next `count` status changes update the row but not its changedate: no query finds them.
   * Returns how many are still to be lost.
   */
  loseNextChanges(count: number): number {
    this.#loseNext += count;
    return this.#loseNext;
  }

  /**
   * The next `count` work orders whose status changes (by a crew, a planner or the bridge)
   * change in a transaction that commits late, as on an app server busy with a long save: the
   * change keeps the changedate of its save, but no query or read sees it until commitHeld(), by
   * when later changes with later changedates may have been read. Further status changes of a
   * held work order join its transaction. Returns how many are still to be held.
   */
  holdNextChanges(count: number): number {
    return this.#late.hold(count);
  }

  /** Commits every held transaction: their changes become visible; returns how many. */
  commitHeld(): number {
    return this.#late.commit();
  }

  /** When a save happens by the clock of the app server making it (see clockSkewMs). */
  #saveTime(): number {
    return this.#clock() + this.clockSkewMs;
  }

  /** An administrator deletes a work order (by wonum or external reference): lookups find nothing. */
  deleteWorkOrder(ref: string): void {
    const wo = this.find(ref);
    if (!wo) throw new HttpError(404, `no work order ${ref}`);
    this.workOrders.delete(wo.wonum);
    this.plans.delete(wo.wonum);
  }

  #setStatus(wo: WorkOrder, status: string, memo: string | null): void {
    if (status === wo.status)
      throw new HttpError(400, `BMXAA4590E - Work order ${wo.wonum} is already in status ${status}`);
    const internal = this.#internal(status);
    if (!(NEXT_STATUS[this.#internal(wo.status)] ?? []).includes(internal))
      throw new HttpError(400, `BMXAA4187E - Work order ${wo.wonum} cannot change from ${wo.status} to ${status}`);
    this.#late.saving(wo);
    const now = this.#saveTime();
    wo.status = status;
    wo.statusdate = iso(now);
    if (internal === 'WSCH') wo.schedstart = iso(now + 2 * 86_400_000);
    this.statusHistory.push({ wonum: wo.wonum, status, memo });
    const plan = this.plans.get(wo.wonum);
    // The crews' plan gives way to a status set from outside: history ends it, COMP leads to CLOSE.
    if (plan && (internal === 'CAN' || internal === 'CLOSE')) plan.steps = [];
    if (plan && internal === 'COMP' && !plan.steps.includes('CLOSE'))
      plan.steps = [...Array.from({ length: this.#behaviour.closeAfterTicks }, () => 'WAIT'), 'CLOSE'];
    this.#touch(wo, this.#loseNext > 0);
  }

  #touch(wo: WorkOrder, lose = false): void {
    wo._rowstamp = String(++this.#rowstamp);
    if (lose) {
      this.#loseNext -= 1;
      this.lost.push({ wonum: wo.wonum, status: wo.status });
      return;
    }
    wo.changedate = iso(this.#saveTime());
    this.corruptor.reached(wo._rowstamp);
  }

  /** A work order as the object structure returns it: its work log only if the structure holds it. */
  #select(r: SimRequest, wo: WorkOrder, spec: string | null): Record<string, unknown> {
    const href = workOrderHref(r, wo, this.#links);
    const out = select(wo, spec, href, (status) => this.#internal(status), this.#dates);
    if (!this.#worklogInStructure) delete out['worklog'];
    return out;
  }

  /** A status's internal value (see MaximoSimulatorOptions.statusSynonyms). */
  #internal(status: string): string {
    return this.#synonyms[status] ?? status;
  }

  get #links() {
    return { base: this.hrefBase, root: this.#hrefRoot };
  }

  #byRestId(id: string | undefined): WorkOrder {
    const wo = [...this.workOrders.values()].find((w) => restId(w) === id);
    if (!wo) throw new HttpError(404, `BMXAA8727E - The OSLC resource ${id ?? ''} was not found`);
    return wo;
  }

  #show(r: SimRequest, wo: WorkOrder): SimResponse {
    return { status: 200, body: this.#select(r, wo, r.query.get('oslc.select')) };
  }

  #query(r: SimRequest): SimResponse {
    this.onQuery?.(this.#answered);
    this.#answered += 1;
    return this.#pager.page(
      r,
      () => {
        const clauses = parseWhere(r.query.get('oslc.where'));
        const stalled = this.feedPaused && clauses.some((c) => c.attr === 'changedate');
        const committed = [...this.workOrders.values()].map((w) => this.#late.committed(w));
        const found = stalled ? [] : committed.filter((w) => matches(w, clauses, this.#dates));
        return orderBy(found, r.query.get('oslc.orderBy'), this.#dates).map((w) =>
          this.corruptor.serve(w._rowstamp, this.#select(r, w, r.query.get('oslc.select'))),
        );
      },
      hrefOf(r, r.path, this.#links),
    );
  }

  #create(r: SimRequest): SimResponse {
    if (r.headers['x-method-override']) throw new HttpError(400, 'BMXAA9549E - an update needs a resource URI');
    const wo = this.addWorkOrder(newWorkOrderSchema.parse(r.body));
    const href = workOrderHref(r, wo, this.#links);
    const properties = this.#propertiesHeader ? r.headers['properties'] : undefined;
    return typeof properties === 'string'
      ? { status: 201, body: this.#select(r, wo, properties), headers: { location: href } }
      : { status: 201, headers: { location: href } };
  }

  #update(r: SimRequest): SimResponse {
    if (r.headers['x-method-override'] !== 'PATCH')
      throw new HttpError(400, 'BMXAA9549E - updating a resource needs x-method-override: PATCH');
    const wo = this.#byRestId(r.params['id']);
    const rules = { logTypes: this.#logTypes, memoLength: this.#memoLength, internal: this.#internal(wo.status) };
    const u = checkedUpdate(r.body, wo, rules);
    if (u.status !== undefined) this.#setStatus(wo, u.status, u.np_statusmemo ?? null);
    let changed = false;
    if (u.wopriority !== undefined && u.wopriority !== wo.wopriority) {
      wo.wopriority = u.wopriority;
      changed = true;
    }
    if (u.worklog) {
      // Without patchtype MERGE, Maximo replaces a child set with the one sent.
      if (r.headers['patchtype'] !== 'MERGE') wo.worklog = [];
      for (const l of u.worklog) {
        addWorklog(wo, l, iso(this.#clock()));
        if (l.logtype === this.#reviewLogType) {
          const plan = this.plans.get(wo.wonum);
          if (plan) plan.reviewRequested = true;
        }
      }
    }
    // Work log entries are child rows: the work order's own row, and its changedate, stay as they were.
    if (changed && u.status === undefined) this.#touch(wo);
    const properties = this.#propertiesHeader ? r.headers['properties'] : undefined;
    return typeof properties === 'string' ? { status: 200, body: this.#select(r, wo, properties) } : { status: 204 };
  }
}
