import { z } from 'zod';
import {
  ChangeCorruptor,
  FaultInjector,
  HttpError,
  SimulatorServer,
  WebhookBell,
  seededRandom,
  type Corruption,
  type SimRequest,
} from '../../src/sdk/index.ts';
import { ChangeLog, type FeedShape } from './simulator-feed.ts';
import type { PosseSimulatorOptions } from './simulator-options.ts';
import { departmentChange, LABELS, newJobSchema } from './simulator-model.ts';
import type { DepartmentBehaviour, DepartmentProcess, Job, ProcessChange } from './simulator-model.ts';

export type { DepartmentBehaviour, Job, JobProcess, ProcessChange } from './simulator-model.ts';
export type { PosseSimulatorOptions } from './simulator-options.ts';

/**
 * A stand-in for a POSSE-like permit and enforcement system. A 311 referral becomes a job whose
 * processes complete with outcome codes; a change feed lists those completions. A seeded
 * department behaviour moves jobs along when tick() is called: it accepts, assigns, schedules,
 * holds, completes, cancels, or rejects work as "not ours", and sometimes closes the job on
 * assignment, as real departments do.
 */

export class PosseSimulator {
  readonly server: SimulatorServer;
  readonly jobs = new Map<string, Job>();
  /** Every change saved, in seq order, including those not yet committed (see ChangeLog). */
  readonly changes: ProcessChange[];
  /**
   * The outgoing webhook: rung whenever a change is saved. A change committed late is not rung
   * for again when it shows, as a notifier fired by the save would not: the bridge's next poll,
   * or its idle poll, reads it.
   */
  readonly webhook = new WebhookBell();
  /** Garbles changes on their way out of the feed (an unknown job status, a missing field). */
  readonly corruptor = new ChangeCorruptor();
  /** Processes that completed but whose change was left out of the feed, for tests to check. */
  readonly lost: { readonly externalRef: string; readonly outcome: string; readonly at: number }[] = [];
  /** The feed answers, but with nothing: a system whose change log has stalled. */
  feedPaused = false;
  #loseNext = 0;
  #nextJob = 1;
  readonly #behaviour: DepartmentBehaviour;
  readonly #random: () => number;
  readonly #log: ChangeLog;
  readonly #clock: () => number;
  #token: string | undefined;
  readonly #byRef = new Map<string, string>();
  /** Jobs with steps left in their plan, oldest first: advance() need not walk finished ones. */
  readonly #planned = new Set<Job>();
  /** First answers by route and Idempotency-Key, for repeats (when the header is honoured). */
  readonly #answered = new Map<string, { status: number; body: unknown }>();
  readonly #honoursKey: boolean;
  readonly #shape: FeedShape;
  readonly #notesAsObjects: boolean;

  constructor(options: PosseSimulatorOptions = {}) {
    this.#behaviour = {
      notOursRate: 0,
      closeOnAssignRate: 0,
      holdRate: 0,
      cancelRate: 0,
      noViolationRate: 0,
      reopenOnReviewRate: 0,
      loseChangeRate: 0,
      sequenceGapRate: 0,
      lateCommitRate: 0,
      commitLagMs: 10_000,
      ...options.behaviour,
    };
    this.#random = seededRandom((options.seed ?? 1) + 7);
    // A stream of its own: turning gaps or late commits on leaves the jobs' plans as they were.
    this.#log = new ChangeLog(this.#behaviour, seededRandom((options.seed ?? 1) + 13));
    this.changes = this.#log.changes;
    this.#clock = options.clock ?? Date.now;
    this.#token = options.token;
    this.#honoursKey = options.honoursIdempotencyKey ?? true;
    this.#shape = options;
    this.#notesAsObjects = options.notesAsObjects ?? false;
    if (options.webhook) this.webhook.configure(options.webhook);
    this.server = new SimulatorServer(new FaultInjector(options.faults, options.seed ?? 1, this.#clock));
    const s = this.server;
    const auth = <T>(h: string | undefined, f: () => T): T => {
      if (this.#token !== undefined && h !== `Bearer ${this.#token}`)
        throw new HttpError(401, 'missing or wrong bearer token');
      return f();
    };
    s.route('POST', '/posse/api/jobs', (r) => auth(r.headers.authorization, () => this.#create(r.body)));
    s.route('GET', '/posse/api/jobs/:ref', (r) =>
      auth(r.headers.authorization, () => ({ status: 200, body: this.#public(this.#job(r.params['ref'])) })),
    );
    s.route('POST', '/posse/api/jobs/:ref/cancel', (r) =>
      auth(r.headers.authorization, () => this.#cancel(r.params['ref'], r.body)),
    );
    s.route('PUT', '/posse/api/jobs/:ref/priority', (r) =>
      auth(r.headers.authorization, () => this.#priority(r.params['ref'], r.body)),
    );
    s.route('POST', '/posse/api/jobs/:ref/notes', (r) =>
      auth(r.headers.authorization, () => this.#once(r, () => this.#note(r.params['ref'], r.body))),
    );
    s.route('POST', '/posse/api/jobs/:ref/review', (r) =>
      auth(r.headers.authorization, () => this.#once(r, () => this.#review(r.params['ref']))),
    );
    s.route('GET', '/posse/api/changes', (r) => auth(r.headers.authorization, () => this.#feed(r.query)));
    this.webhook.serve(s);
    this.corruptor.serveOver(s);
    s.route('POST', '/_sim/tick', () => ({ status: 200, body: { advanced: this.tick() } }), true);
    s.driftHooks({
      items: 'jobs',
      remove: (ref) => this.deleteJob(ref),
      setFeedPaused: (paused) => this.setFeedPaused(paused),
      feedPaused: () => this.feedPaused,
      loseNext: (n) => {
        this.loseNextChanges(n);
        return this.#loseNext;
      },
    });
  }

  start(port = 0): Promise<string> {
    return this.server.start(port);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /**
   * The system's administrators rotate the integration's token (undefined: none required). Every
   * call with the old token is refused with 401 from then on, as a real system does.
   */
  rotateToken(token: string | undefined): void {
    this.#token = token;
  }

  /** Moves every open job one step along its plan; returns how many moved. */
  tick(): number {
    return this.advance(Number.POSITIVE_INFINITY);
  }

  /**
   * Moves at most `max` jobs one step each, in the order they joined the queue: a department with
   * limited crews. A job given steps again (reopened on review, or replanned) joins at the back.
   */
  advance(max: number): number {
    let moved = 0;
    for (const job of this.#planned) {
      if (moved >= max) break;
      const outcome = job.plan.shift();
      if (job.plan.length === 0) this.#planned.delete(job);
      if (!outcome) continue;
      moved += 1;
      this.#complete(job, outcome);
    }
    return moved;
  }

  /** Gives a job (by job id or external reference) the steps it takes next, in place of its plan. */
  replan(ref: string, outcomes: readonly string[]): void {
    this.#setPlan(this.#job(ref), [...outcomes]);
  }

  #setPlan(job: Job, plan: string[]): void {
    job.plan = plan;
    if (plan.length > 0) this.#planned.add(job);
    else this.#planned.delete(job);
  }

  /** The next `count` processes to complete move their jobs but leave no change in the feed. */
  loseNextChanges(count: number): void {
    this.#loseNext += count;
  }

  /** `count` permit processes (no 311 job's) complete: they take seqs the feed does not show. */
  saveOtherProcesses(count: number): void {
    this.#log.saveOthers(count);
  }

  /** An administrator deletes a job (by job id or external reference): lookups answer 404. */
  deleteJob(ref: string): void {
    const job = this.#job(ref);
    this.jobs.delete(job.jobId);
    this.#byRef.delete(job.externalRef);
    this.#planned.delete(job);
  }

  /**
   * A process completes on a job the department opened itself (a permit, its own enforcement
   * case): no 311 ticket made it, so its change in the feed, which lists every job's, carries no
   * ticket and no external reference. Such jobs are not kept as jobs: the bridge never asks for one.
   */
  departmentProcess(o: DepartmentProcess): ProcessChange {
    const now = this.#clock();
    const saved = this.#log.save(departmentChange(o, now), now);
    this.corruptor.reached(String(saved.seq));
    this.webhook.ring();
    return saved;
  }

  /** The next change reaches the feed garbled, as an upgraded or buggy POSSE would send it. */
  corruptNextChange(corruption: Corruption): void {
    this.corruptor.corruptNext(corruption);
  }

  /** Paused, the feed still answers 200 but returns no changes: up, yet silent. */
  setFeedPaused(paused: boolean): void {
    this.feedPaused = paused;
  }

  /**
   * POSSE's process history is restored from a backup taken when its feed stood at `seq`: the
   * changes after it are gone, and the processes completed from now on take their seqs again,
   * from `seq + 1` (its empty pages then answer the highest seq left as watermark). The jobs are
   * left as they are, as a restore of the history table alone would leave them.
   */
  restoreFeed(seq: number): void {
    this.#log.restore(seq);
  }

  #plan(): string[] {
    const b = this.#behaviour;
    const r = () => this.#random();
    if (r() < b.notOursRate) return ['NOT_OURS'];
    if (r() < b.cancelRate) return ['RECEIVED', 'INTAKE_ACCEPTED', 'WITHDRAWN'];
    const plan = [
      'RECEIVED',
      'INTAKE_ACCEPTED',
      r() < b.closeOnAssignRate ? 'ASSIGNED_CLOSED' : 'INSPECTOR_ASSIGNED',
      'INSPECTION_SCHEDULED',
    ];
    if (r() < b.holdRate) plan.push(r() < 0.5 ? 'HOLD_OWNER' : 'HOLD_WEATHER');
    plan.push('INSPECTION_STARTED', r() < b.noViolationRate ? 'NO_VIOLATION' : r() < 0.5 ? 'COMPLIED' : 'ABATED');
    return plan;
  }

  #complete(job: Job, outcome: string, note: string | null = null): void {
    // The job closes at these outcomes; work that goes on after a close at assignment reopens it.
    job.status = ['ASSIGNED_CLOSED', 'COMPLIED', 'ABATED', 'NO_VIOLATION', 'WITHDRAWN', 'NOT_OURS'].includes(outcome)
      ? 'Closed'
      : 'Open';
    if (['COMPLIED', 'ABATED', 'NO_VIOLATION', 'WITHDRAWN', 'NOT_OURS'].includes(outcome)) job.done = true;
    const now = this.#clock();
    job.lastProcess = {
      outcome,
      outcomeLabel: LABELS[outcome] ?? outcome,
      at: now,
      note,
      expectedAt: outcome === 'INSPECTION_SCHEDULED' ? now + 3 * 86_400_000 : null,
    };
    // A lost change takes no sequence number: the feed has no gap to give it away. (The gaps a
    // sequence does leave are sequenceGapRate's, and never hide a change.)
    const rate = this.#behaviour.loseChangeRate;
    if (this.#loseNext > 0 || (rate > 0 && this.#random() < rate)) {
      this.#loseNext = Math.max(0, this.#loseNext - 1);
      this.lost.push({ externalRef: job.externalRef, outcome, at: now });
      return;
    }
    const saved = this.#log.save(
      {
        jobId: job.jobId,
        externalRef: job.externalRef,
        ticketId: job.ticketId,
        department: job.department,
        jobStatus: job.status,
        ...job.lastProcess,
      },
      now,
    );
    // The corruption goes to the next change saved, which a late commit shows after later ones.
    this.corruptor.reached(String(saved.seq));
    this.webhook.ring();
  }

  /**
   * A request with an Idempotency-Key seen before on the same route gets the first answer, and
   * nothing happens again; only a success is kept, so a refused request can be tried anew.
   */
  #once(r: SimRequest, act: () => { status: number; body: unknown }): { status: number; body: unknown } {
    const header = r.headers['idempotency-key'];
    const key = typeof header === 'string' && this.#honoursKey ? `${r.path}|${header}` : null;
    const first = key === null ? undefined : this.#answered.get(key);
    if (first) return first;
    const answer = act();
    if (key !== null) this.#answered.set(key, answer);
    return answer;
  }

  /** The job as the API shows it: its current state, not the simulator's plan for its future. */
  #public(job: Job) {
    const { plan: _plan, done: _done, ...rest } = job;
    if (!this.#notesAsObjects) return rest;
    return { ...rest, notes: job.notes.map((text) => ({ text, author: '311 integration' })) };
  }

  // By job id, external reference or, last, the 311 ticket the job carries: jobs a department
  // opened before the bridge ran have a reference of their own, and are found by their ticket.
  #job(ref: string | undefined): Job {
    const job =
      this.jobs.get(ref ?? '') ??
      this.jobs.get(this.#byRef.get(ref ?? '') ?? '') ??
      [...this.jobs.values()].find((j) => j.externalRef === ref) ??
      [...this.jobs.values()].find((j) => j.ticketId === ref);
    if (!job) throw new HttpError(404, `no job ${ref ?? ''}`);
    return job;
  }

  #create(body: unknown) {
    const j = newJobSchema.parse(body);
    const known = this.#byRef.get(j.externalRef);
    const existing = known ? this.jobs.get(known) : undefined;
    // Idempotent by external reference: a re-delivered command finds the job it made.
    if (existing) return { status: 200, body: { jobId: existing.jobId, created: false } };
    const job: Job = {
      ...j,
      // A counter, not the number of jobs: after a deletion that would hand an id out twice.
      jobId: `J-${String(this.#nextJob++).padStart(6, '0')}`,
      status: 'Open',
      notes: [],
      createdAt: this.#clock(),
      lastProcess: null,
      plan: [],
      done: false,
    };
    this.#setPlan(job, this.#plan());
    this.jobs.set(job.jobId, job);
    this.#byRef.set(job.externalRef, job.jobId);
    return { status: 201, body: { jobId: job.jobId, created: true } };
  }

  #cancel(ref: string | undefined, body: unknown) {
    const job = this.#job(ref);
    const { reason } = z.object({ reason: z.string().nullable() }).parse(body);
    if (!job.done) {
      this.#setPlan(job, []);
      this.#complete(job, 'WITHDRAWN', reason);
    }
    return { status: 200, body: { jobId: job.jobId } };
  }

  #priority(ref: string | undefined, body: unknown) {
    const job = this.#job(ref);
    job.priority = z.object({ priority: z.number().int().min(1).max(5) }).parse(body).priority;
    return { status: 200, body: { jobId: job.jobId, priority: job.priority } };
  }

  #note(ref: string | undefined, body: unknown) {
    const job = this.#job(ref);
    job.notes.push(z.object({ note: z.string().min(1) }).parse(body).note);
    return { status: 200, body: { jobId: job.jobId } };
  }

  /** A follow-up review: the inspector finds the work not done (reopen) or confirms it. */
  #review(ref: string | undefined) {
    const job = this.#job(ref);
    if (!job.done) return { status: 200, body: { jobId: job.jobId, reviewed: false } };
    if (this.#random() < this.#behaviour.reopenOnReviewRate) {
      job.done = false;
      job.status = 'Open';
      this.#complete(job, 'INSPECTION_STARTED', 'Re-inspection after a follow-up: work not done.');
      this.#setPlan(job, ['COMPLIED']);
    } else {
      this.#complete(job, 'COMPLIED', 'Re-inspection after a follow-up: work confirmed.');
    }
    return { status: 200, body: { jobId: job.jobId, reviewed: true } };
  }

  #feed(query: URLSearchParams) {
    const since = Number(query.get('since') ?? '0');
    const limit = Number(query.get('limit') ?? '100');
    if (!Number.isInteger(since) || since < 0 || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new HttpError(400, 'since must be a whole number >= 0 and limit 1..1000');
    }
    // Paused, a page of nothing: its watermark is then the one an empty page answers.
    const { page, watermark } = this.#log.page(since, this.feedPaused ? 0 : limit, this.#clock(), this.#shape);
    const changes = page.map((c) => this.corruptor.serve(String(c.seq), c));
    return { status: 200, body: { changes, watermark } };
  }
}
