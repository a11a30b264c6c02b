import type { CloseloopConfig } from '../config/index.ts';
import { CloseloopError, messageOf } from '../errors/index.ts';
import { decideExpiry, decideTimers, isExpired, type TicketState } from '../domain/index.ts';
import { HealthTracker, type AvroSerde } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { Outbox } from './outbox.ts';
import { Tally } from './stages/account.ts';
import { emitStates, emitted } from './stages/emit.ts';
import type { Task } from './task.ts';

/**
 * The tasks' own trouble, renewed at each assignment: their timer sweeps' failures, and the
 * partitions refused at the assignment. Counted as assigned from the start.
 */
export function sweepHealth(config: CloseloopConfig, clock: () => number): HealthTracker {
  const tracker = new HealthTracker(config.processor.consumerFailingAfterMs, clock);
  tracker.assigned();
  return tracker;
}

export interface SweepContext {
  readonly config: CloseloopConfig;
  readonly serde: AvroSerde;
  readonly clock: () => number;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  /**
   * Where a sweep that keeps failing, or a timer decision that keeps being unwritable, is
   * tracked until it succeeds: past the grace period it is the processor's health (readiness,
   * closeloop_consumer_failing, closeloop health), not a log line alone.
   */
  readonly health: HealthTracker;
}

type Sweep = 'expiry' | 'timers';
/** A ticket's own outputs of a sweep, which can fail to encode while the sweep goes on. */
type Decision = 'timer-decision' | 'expiry-decision';

const SWEEP_NAMES: Record<Sweep | Decision, string> = {
  expiry: 'expiring tickets',
  timers: 'the timer sweep',
  'timer-decision': 'writing timer decisions',
  'expiry-decision': 'clearing the alerts of expired tickets',
};

/** What the health tracker calls a task's sweep while it fails. */
export const sweepActivity = (sweep: Sweep | Decision, partition: number): string =>
  `${SWEEP_NAMES[sweep]} of partition ${partition}`;

/**
 * Tombstones closed tickets past the retention window, clearing the alerts each holds open in
 * the same transaction (see decideExpiry). Returns how many.
 */
export function expire(tasks: readonly Task[], c: SweepContext): Promise<number> {
  const { policy } = c.config;
  return sweep(tasks, c, 'expiry', async (task, now, out) => {
    const expired = new Map<string, null>();
    const unwritable: CloseloopError[] = [];
    for (const [id, s] of task.store) {
      if (!isExpired(s, now, policy.retentionMs)) continue;
      // As for a timer decision: a ticket whose clearings cannot be encoded is kept, named in the
      // log and tracked until written (see trackUnwritable), for a later sweep; tombstoned
      // without them, its alerts would stay raised for good.
      let failed = emitted(out, decideExpiry(s, { policy, now }));
      if (failed instanceof Promise) failed = await failed;
      if (failed) {
        c.log.error({ ticketId: id, code: failed.code, err: failed.message }, 'expiry not written; ticket kept');
        c.metrics?.sweepFailures.inc({ sweep: 'expiry-decision', code: failed.code });
        unwritable.push(failed);
        continue;
      }
      expired.set(id, null);
    }
    trackUnwritable(c.health, sweepActivity('expiry-decision', task.partition), unwritable, 'kept past retention');
    await emitStates(out, expired, task.partition);
    return expired;
  });
}

/**
 * The timer decisions of tickets no event has touched since: SLA targets that fell due (a new
 * status), and the stuck-ticket sentinel (alerts raised and cleared). Returns how many changed.
 */
export function checkTimers(tasks: readonly Task[], c: SweepContext): Promise<number> {
  const { policy } = c.config;
  return sweep(tasks, c, 'timers', async (task, now, out, tally) => {
    const changed = new Map<string, TicketState | null>();
    const unwritable: CloseloopError[] = [];
    for (const [id, s] of task.store) {
      const d = decideTimers(s, { policy, now });
      if (!d.stateChanged) continue;
      // As in a batch (see emitted): a ticket whose timer outputs cannot be encoded is left as
      // it is, named in the log, and the task's other tickets still move; thrown on, it would
      // fail this task's every sweep.
      let failed = emitted(out, d);
      if (failed instanceof Promise) failed = await failed;
      if (failed) {
        c.log.error({ ticketId: id, code: failed.code, err: failed.message }, 'timer decision not written');
        c.metrics?.sweepFailures.inc({ sweep: 'timer-decision', code: failed.code });
        unwritable.push(failed);
        continue;
      }
      changed.set(id, d.state);
      tally.moved(s, d.state);
    }
    trackUnwritable(c.health, sweepActivity('timer-decision', task.partition), unwritable, 'left unmoved');
    await emitStates(out, changed, task.partition);
    return changed;
  });
}

/**
 * Tickets whose sweep outputs cannot be written stay as they are (unmoved, or kept past
 * retention with their alerts raised), so they are tracked until written: past the grace period
 * they are the processor's health, not log lines alone.
 */
function trackUnwritable(
  health: HealthTracker,
  activity: string,
  unwritable: readonly CloseloopError[],
  left: string,
): void {
  const [first] = unwritable;
  if (!first) return health.succeeded(activity);
  const tickets = unwritable.length === 1 ? '1 ticket' : `${unwritable.length} tickets`;
  health.failed(activity, new CloseloopError(first.code, `${tickets} ${left}: ${first.message}`));
}

/**
 * Runs `collect` on every task in turn, in its chain so it never interleaves with a batch, and
 * commits what it wrote in one transaction per task (its input offsets unchanged). The in-memory store
 * follows only after the commit.
 */
async function sweep(
  tasks: readonly Task[],
  c: SweepContext,
  what: Sweep,
  collect: (task: Task, now: number, out: Outbox, tally: Tally) => Promise<Map<string, TicketState | null>>,
): Promise<number> {
  let changed = 0;
  for (const task of tasks) {
    const work = task.chain.then(async () => {
      // Replaced, or soon to be (its group has moved on): the next assignment's task sweeps.
      if (task.retired || task.behindGroup) return;
      await task.checkChangelog();
      await task.refreshIfStale();
      const out = new Outbox(c.config, c.serde);
      const tally = new Tally();
      const updates = await collect(task, c.clock(), out, tally);
      if (updates.size === 0) return;
      // The offsets the group holds, again: so that it checks this member's standing (see Task).
      await task.commit(out.records, task.committedOffsets());
      task.apply(updates);
      changed += updates.size;
      tally.statusesSent(out.count(c.config.topics.status));
      tally.record(c.metrics, out);
    });
    const activity = sweepActivity(what, task.partition);
    task.chain = work.then(
      () => c.health.succeeded(activity),
      (err: unknown) => {
        c.log.error({ err: messageOf(err), partition: task.partition }, `${activity} failed`);
        c.metrics?.sweepFailures.inc({ sweep: what, code: err instanceof CloseloopError ? err.code : 'unknown' });
        c.health.failed(activity, err);
      },
    );
    await task.chain;
  }
  return changed;
}
