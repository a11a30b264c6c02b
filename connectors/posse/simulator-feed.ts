import type { DepartmentBehaviour, ProcessChange } from './simulator-model.ts';

/** How the simulated POSSE numbers its changes and when they show in its feed. */
export type SequenceBehaviour = Pick<DepartmentBehaviour, 'sequenceGapRate' | 'lateCommitRate' | 'commitLagMs'>;

/**
 * How the simulated POSSE's feed query reads its process table, where real setups differ (all off
 * by default: the feed as the connector was first written against).
 */
export interface FeedShape {
  /**
   * The feed scans `limit` rows of the process table after `since`, permit processes and 311
   * jobs' alike, answers the 311 ones among them and the last row scanned as the watermark: a
   * run of more than `limit` permit rows gives an empty page whose watermark is ahead of `since`.
   */
  readonly feedScansRows?: boolean;
  /** The most changes a page holds whatever `limit` asks, as an API that caps pages silently. */
  readonly maxPageSize?: number;
  /** `since` is inclusive (`seq >= since`), as many SQL-backed feeds read it: the change there comes again. */
  readonly inclusiveSince?: boolean;
}

/**
 * The simulated POSSE's process history and change feed. As in POSSE, a change takes its seq from
 * a database sequence when it is saved, but the feed shows it only once its transaction commits:
 * a late commit (`lateCommitRate`) shows after changes saved later. The sequence also leaves holes
 * that never fill (`sequenceGapRate`), as a rolled-back save or a cached sequence's lost numbers
 * do. Both are what the connector's feed cursor waits at and then passes (see the SDK's FeedPosition).
 */
export class ChangeLog {
  /** Every change saved, in seq order, committed or not: what the system made, for tests. */
  readonly changes: ProcessChange[] = [];
  /** When each change of `changes` (by index) commits: the feed shows it from then on. */
  readonly #commitsAt: number[] = [];
  /**
   * When each job's last change commits. A job's next save waits on the row lock the uncommitted
   * one holds, so it commits no earlier: a job's own changes show in the order they were saved.
   */
  readonly #jobCommits = new Map<string, number>();
  /** The seqs other processes took (permits, not 311 jobs), committed at once, ascending. */
  readonly #others: number[] = [];
  #next = 1;
  readonly #behaviour: SequenceBehaviour;
  readonly #random: () => number;

  constructor(behaviour: SequenceBehaviour, random: () => number) {
    this.#behaviour = behaviour;
    this.#random = random;
  }

  /** Saves a change at `now`: it takes the next seq, and commits now or after the lag. */
  save(change: Omit<ProcessChange, 'seq'>, now: number): ProcessChange {
    const b = this.#behaviour;
    // Rates of 0 draw nothing, so a seeded run without these behaviours is as it was before them.
    if (b.sequenceGapRate > 0 && this.#random() < b.sequenceGapRate) this.#next += 1 + Math.floor(this.#random() * 3);
    const late = b.lateCommitRate > 0 && this.#random() < b.lateCommitRate;
    const commitsAt = Math.max(now + (late ? b.commitLagMs : 0), this.#jobCommits.get(change.jobId) ?? now);
    const saved: ProcessChange = { seq: this.#next, ...change };
    this.#next += 1;
    this.changes.push(saved);
    this.#commitsAt.push(commitsAt);
    this.#jobCommits.set(change.jobId, commitsAt);
    return saved;
  }

  /**
   * `count` processes that are no 311 job's (permits, inspections of their own) are saved and
   * commit: they take seqs the feed does not show, and a scanning feed reads over them.
   */
  saveOthers(count: number): void {
    for (let n = 0; n < count; n += 1) this.#others.push(this.#next++);
  }

  /**
   * The history as it was when the sequence stood at `seq`: the changes after it are gone and
   * the next save takes `seq + 1` (never a seq ahead of the one it would take anyway). A change
   * kept but not yet committed commits when it would have: a restore of the history table does
   * not end a transaction in flight.
   */
  restore(seq: number): void {
    const from = this.#firstAbove(seq);
    this.changes.splice(from);
    this.#commitsAt.splice(from);
    this.#others.splice(this.#otherAbove(seq));
    this.#next = Math.min(this.#next, seq + 1);
    this.#jobCommits.clear();
    this.changes.forEach((c, i) => this.#jobCommits.set(c.jobId, this.#commitsAt[i] ?? 0));
  }

  /**
   * The committed changes after `since`, in seq order, up to `limit`, with the watermark: the
   * page's last seq, or for an empty page `since`, or the highest seq the feed shows when that is
   * lower (the feed went back). A change saved but not committed is not shown, and neither is its
   * seq as a watermark: a cursor moved past it would never read it. `shape` changes the query
   * as some POSSE setups have it (see FeedShape).
   */
  page(since: number, limit: number, now: number, shape: FeedShape = {}): { page: ProcessChange[]; watermark: number } {
    const after = shape.inclusiveSince === true ? since - 1 : since;
    const cap = Math.min(limit, shape.maxPageSize ?? limit);
    if (shape.feedScansRows === true) return this.#scan(after, since, cap, now);
    const page: ProcessChange[] = [];
    // Only the changes not yet committed are stepped over, so a poll costs its page, not the
    // history: the bench polls a feed of tens of thousands of changes.
    for (let i = this.#firstAbove(after); i < this.changes.length && page.length < cap; i += 1) {
      const change = this.changes[i];
      if (change && (this.#commitsAt[i] ?? 0) <= now) page.push(change);
    }
    return { page, watermark: page.at(-1)?.seq ?? Math.min(since, this.#highestShown(now)) };
  }

  /** The committed rows after `after`, 311 or not, up to `limit` scanned: the 311 ones, and the last row's seq. */
  #scan(after: number, since: number, limit: number, now: number): { page: ProcessChange[]; watermark: number } {
    const page: ProcessChange[] = [];
    let i = this.#firstAbove(after);
    let o = this.#otherAbove(after);
    let last: number | null = null;
    for (let scanned = 0; scanned < limit; scanned += 1) {
      while (i < this.changes.length && (this.#commitsAt[i] ?? 0) > now) i += 1;
      const change = this.changes[i];
      const other = this.#others[o];
      if (change === undefined && other === undefined) break;
      if (change !== undefined && (other === undefined || change.seq < other)) {
        page.push(change);
        last = change.seq;
        i += 1;
      } else {
        last = other ?? last;
        o += 1;
      }
    }
    const highest = Math.max(this.#highestShown(now), this.#others.at(-1) ?? 0);
    return { page, watermark: last ?? Math.min(since, highest) };
  }

  /** The index of the first other process's seq above `seq` (their count if none). */
  #otherAbove(seq: number): number {
    const i = this.#others.findIndex((n) => n > seq);
    return i < 0 ? this.#others.length : i;
  }

  /** The index of the first change with a seq above `seq` (the changes' length if none). */
  #firstAbove(seq: number): number {
    let lo = 0;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.changes[mid]?.seq ?? 0) > seq) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Steps back only over the changes not yet committed at the end of the history. */
  #highestShown(now: number): number {
    for (let i = this.changes.length - 1; i >= 0; i -= 1)
      if ((this.#commitsAt[i] ?? 0) <= now) return this.changes[i]?.seq ?? 0;
    return 0;
  }
}
