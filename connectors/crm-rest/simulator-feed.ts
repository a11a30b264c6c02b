import type { Change } from './simulator-model.ts';

/** When the simulated CRM's changes commit (both off by default: each commits as it is saved). */
export interface CommitBehaviour {
  /** Share of changes (0..1, seeded) whose transaction commits `commitLagMs` after the save. */
  readonly lateCommitRate: number;
  /** How long after its save a late change commits. */
  readonly commitLagMs: number;
}

/**
 * The simulated CRM's change feed as an outbox table numbered by a database sequence: a change
 * takes its seq when it is saved, but the feed shows it only once its transaction commits, so a
 * change committed late (`lateCommitRate`, `commitLate()`) shows after changes saved later, which
 * the connector's feed cursor waits for (see FeedPosition in the SDK). A ticket's next change
 * waits on the row the uncommitted one locks, so it commits no earlier: a ticket's own changes
 * show in the order they were saved.
 */
export class ChangeLog {
  /** Every change saved, in seq order, committed or not: what the CRM made, for tests. */
  readonly changes: Change[] = [];
  /** When each change of `changes` (by index) commits: the feed shows it from then on. */
  readonly #commitsAt: number[] = [];
  readonly #ticketCommits = new Map<string, number>();
  readonly #behaviour: CommitBehaviour;
  readonly #random: () => number;
  #lateNext = 0;

  constructor(behaviour: CommitBehaviour, random: () => number) {
    this.#behaviour = behaviour;
    this.#random = random;
  }

  /** The next `count` changes saved commit `commitLagMs` after their save. */
  commitLate(count = 1): void {
    this.#lateNext += count;
  }

  /** Saves a change at `now`: it takes the next seq, and commits now or after the lag. */
  save(change: Omit<Change, 'seq'>, now: number): Change {
    const b = this.#behaviour;
    // A rate of 0 draws nothing, so a seeded run without late commits is as it was before them.
    let late = b.lateCommitRate > 0 && this.#random() < b.lateCommitRate;
    if (this.#lateNext > 0) {
      this.#lateNext -= 1;
      late = true;
    }
    const commitsAt = Math.max(now + (late ? b.commitLagMs : 0), this.#ticketCommits.get(change.ticketId) ?? now);
    const saved: Change = { seq: this.changes.length + 1, ...change };
    this.changes.push(saved);
    this.#commitsAt.push(commitsAt);
    this.#ticketCommits.set(change.ticketId, commitsAt);
    return saved;
  }

  /**
   * The committed changes after `after`, up to `limit`, and the page's nextCursor: with `head`,
   * the latest seq handed out (committed or not), as a CRM that answers its latest seq does;
   * otherwise the page's last seq, or for an empty page `after`, or the highest seq the feed shows
   * when that is lower (the feed went back). A change not committed yet is not shown.
   */
  page(after: number, limit: number, now: number, head: boolean): { changes: Change[]; nextCursor: number } {
    const changes: Change[] = [];
    // Seqs are indexes plus one: only the changes not yet committed are stepped over.
    for (let i = after; i < this.changes.length && changes.length < limit; i += 1) {
      const change = this.changes[i];
      if (change && (this.#commitsAt[i] ?? 0) <= now) changes.push(change);
    }
    if (head) return { changes, nextCursor: this.changes.length };
    return { changes, nextCursor: changes.at(-1)?.seq ?? Math.min(after, this.#highestShown(now)) };
  }

  /** The feed goes back to `seq`: the changes after it are gone, and the next save takes `seq + 1`. */
  restore(seq: number): void {
    this.changes.splice(seq);
    this.#commitsAt.splice(seq);
    this.#ticketCommits.clear();
    this.changes.forEach((c, i) => this.#ticketCommits.set(c.ticketId, this.#commitsAt[i] ?? 0));
  }

  /** Steps back only over the changes not yet committed at the end of the feed. */
  #highestShown(now: number): number {
    for (let i = this.changes.length - 1; i >= 0; i -= 1)
      if ((this.#commitsAt[i] ?? 0) <= now) return this.changes[i]?.seq ?? 0;
    return 0;
  }
}
