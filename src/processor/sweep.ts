import type { CloseloopConfig } from '../config/index.ts';
import { decideTimers, isExpired, type TicketState } from '../domain/index.ts';
import type { AvroSerde } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { Outbox } from './outbox.ts';
import { Tally } from './stages/account.ts';
import { emitStates, emitted } from './stages/emit.ts';
import type { Task } from './task.ts';

export interface SweepContext {
  readonly config: CloseloopConfig;
  readonly serde: AvroSerde;
  readonly clock: () => number;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
}

/** Tombstones closed tickets past the retention window. Returns how many. */
export function expire(tasks: readonly Task[], c: SweepContext): Promise<number> {
  const { retentionMs } = c.config.policy;
  return sweep(tasks, c, 'expiry', async (task, now, out) => {
    const ids = [...task.store].filter(([, s]) => isExpired(s, now, retentionMs)).map(([id]) => id);
    for (const id of ids) out.emit(c.config.topics.state, { key: id, value: null, partition: task.partition });
    return new Map(ids.map((id) => [id, null]));
  });
}

/**
 * The timer decisions of tickets no event has touched since: SLA targets that fell due (a new
 * status), and the stuck-ticket sentinel (alerts raised and cleared). Returns how many changed.
 */
export function checkTimers(tasks: readonly Task[], c: SweepContext): Promise<number> {
  const { policy } = c.config;
  return sweep(tasks, c, 'timer sweep', async (task, now, out, tally) => {
    const changed = new Map<string, TicketState | null>();
    for (const [id, s] of task.store) {
      const d = decideTimers(s, { policy, now });
      if (!d.stateChanged) continue;
      // As in a batch (see emitted): a ticket whose timer outputs cannot be encoded is left as
      // it is, named in the log, and the task's other tickets still move; thrown on, it would
      // fail this task's every sweep.
      let unwritable = emitted(out, d);
      if (unwritable instanceof Promise) unwritable = await unwritable;
      if (unwritable) {
        c.log.error({ ticketId: id, code: unwritable.code, err: unwritable.message }, 'timer decision not written');
        continue;
      }
      changed.set(id, d.state);
      tally.moved(s, d.state);
    }
    await emitStates(out, changed, task.partition);
    return changed;
  });
}

/**
 * Runs `collect` on every task in turn, in its chain so it never interleaves with a batch, and
 * commits what it wrote in one transaction per task (no input offsets). The in-memory store
 * follows only after the commit.
 */
async function sweep(
  tasks: readonly Task[],
  c: SweepContext,
  what: string,
  collect: (task: Task, now: number, out: Outbox, tally: Tally) => Promise<Map<string, TicketState | null>>,
): Promise<number> {
  let changed = 0;
  for (const task of tasks) {
    const work = task.chain.then(async () => {
      if (task.retired) return;
      await task.refreshIfStale();
      const out = new Outbox(c.config, c.serde);
      const tally = new Tally();
      const updates = await collect(task, c.clock(), out, tally);
      if (updates.size === 0) return;
      await task.commit(out.records, []);
      task.apply(updates);
      changed += updates.size;
      tally.statusesSent(out.count(c.config.topics.status));
      tally.record(c.metrics, out);
    });
    task.chain = work.catch((err: unknown) => c.log.error({ err }, `${what} failed`));
    await task.chain;
  }
  return changed;
}
