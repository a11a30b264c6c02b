import type { TicketState } from '../domain/index.ts';
import { CloseloopError, isCloseloopError, messageOf } from '../errors/index.ts';
import {
  partitionFor,
  readToEnd,
  recordAtFault,
  type AvroSerde,
  type Messaging,
  type MessagingAdmin,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { RECORD_NAMES } from '../topics/index.ts';
import { stateFromRecord } from './codec.ts';
import { neverForgotten } from './changelog-guard.ts';
import { compactState } from './compact-state.ts';
import { PARTITION_CHANGE_GUIDE } from './provision.ts';

export interface RestoreResult {
  readonly stores: Map<number, Map<string, TicketState>>;
  readonly records: number;
  /** Changelog records that could not be read, passed over (see restorePartitions). */
  readonly unreadable: number;
  /**
   * Per partition, tickets whose last changelog record is a tombstone passed over (see
   * restorePartitions): kept, and to be written again by the task that owns them (writeBack).
   */
  readonly keptAgainstTombstones: Map<number, string[]>;
  readonly ms: number;
}

/** Records passed over before the restore takes the registry for the fault (or 1 % of them). */
const MAX_PASSED_OVER = 10;

/** Who hears of a changelog record passed over, and what the processor's tasks need of the states. */
export interface RestoreReport {
  readonly log?: Logger;
  readonly metrics?: Metrics | undefined;
  /**
   * The processor's partition count and group: every state must be on its key's partition, or
   * the restore fails (see misplacedStates). Readers that only look (reconciliation) leave it out.
   */
  readonly placedBy?: { readonly partitions: number; readonly groupId: string };
  /**
   * The partition count keys are placed by, for a reader that only looks: a state moved to its
   * key's partition leaves a tombstone behind, which is not a stray one (see restorePartitions).
   */
  readonly keyPartitions?: number;
}

/**
 * Rebuilds the state of the given partitions from the compacted changelog, up to its end, held
 * compactly (compact-state.ts). Only the processor writes the changelog, in transactions; a
 * record something else wrote there that is not a ticket state (bytes of another format, another
 * schema's record) is passed over, its ticket keeping the state before it: logged as an error
 * with its partition, offset and code, and counted in closeloop_state_records_unreadable_total.
 * Failing the restore instead would stop every partition of the instance, on every rebalance,
 * for one record no one can take back out of a log. Anything the registry says still fails it
 * (see recordAtFault).
 *
 * The processor tombstones only closed tickets past retention. A tombstone after a state it never
 * forgets (neverForgotten: an open ticket) came from something else, a tool or a connector writing
 * to the wrong topic; taken, it dropped the ticket with no trace, its sentinel and SLA clocks with
 * it, until its next event was quarantined as unknown. It is passed over the same way, logged as
 * an error naming the ticket and counted in closeloop_state_tombstones_refused_total: the ticket
 * keeps its state (see keptAgainstTombstones).
 */
export async function restorePartitions(
  messaging: Messaging,
  admin: MessagingAdmin,
  serde: AvroSerde,
  stateTopic: string,
  partitions: readonly number[],
  report: RestoreReport = {},
): Promise<RestoreResult> {
  const started = Date.now();
  const stores = new Map<number, Map<string, TicketState>>(partitions.map((p) => [p, new Map()]));
  let unreadable = 0;
  const kept = new Map<number, Set<string>>();
  // Per partition, the tickets whose latest record there is a state for another partition's key.
  const misplaced = new Map<number, Set<string>>();
  const placedBy = report.placedBy?.partitions ?? report.keyPartitions;
  const records = await readToEnd(messaging, admin, stateTopic, partitions, async (r) => {
    const store = stores.get(r.partition);
    if (r.key === null || !store) return;
    const key = r.key.toString('utf8');
    // A key's partition is fixed, so a tombstone after a misplaced state ends it being one.
    const away = placedBy !== undefined && partitionFor(r.key, placedBy) !== r.partition;
    if (away) {
      const here = misplaced.get(r.partition) ?? new Set<string>();
      misplaced.set(r.partition, here);
      if (r.value === null) here.delete(key);
      else here.add(key);
    }
    if (r.value === null) {
      const before = store.get(key);
      // Not for a state away from its key's partition: moving it there tombstones it here.
      if (before && !away && neverForgotten(before)) {
        let keys = kept.get(r.partition);
        if (!keys) kept.set(r.partition, (keys = new Set()));
        keys.add(key);
        report.metrics?.stateTombstonesRefused.inc();
        report.log?.error(
          { topic: stateTopic, partition: r.partition, offset: r.offset, ticketId: key, state: before.state },
          'changelog tombstone for a ticket the processor does not forget (open, or something pending); passed over, the ticket keeps its state',
        );
        return;
      }
      kept.get(r.partition)?.delete(key);
      store.delete(key);
      return;
    }
    let state: TicketState;
    try {
      const decoded = await serde.decodeAs<Record<string, unknown>>(r.value, RECORD_NAMES.state);
      state = compactState(stateFromRecord(decoded.value));
    } catch (err) {
      if (!recordAtFault(err)) throw err;
      unreadable += 1;
      const code = isCloseloopError(err) ? err.code : 'CL_RECORD_INVALID';
      report.metrics?.stateUnreadable.inc({ code });
      report.log?.error(
        { topic: stateTopic, partition: r.partition, offset: r.offset, key, code, error: messageOf(err) },
        'changelog record unreadable; passed over, its ticket keeps the state before it',
      );
      return;
    }
    kept.get(r.partition)?.delete(key);
    // Keyed by the state's own id string when they match: one copy, not two.
    store.set(state.ticketId === key ? state.ticketId : key, state);
  });
  // A few foreign records are passed over; many mean the registry no longer knows the processor's
  // schema ids (replaced, its ids given to other schemas): starting with every state passed over
  // would overwrite the changelog, so the restore fails and the instance says so.
  if (unreadable > Math.max(MAX_PASSED_OVER, records / 100)) {
    throw new CloseloopError(
      'CL_SCHEMA_MISMATCH',
      `${unreadable} of ${records} changelog records of ${stateTopic} could not be read as ticket states: ` +
        'has the schema registry been replaced? the restore refuses to start without them',
    );
  }
  if (report.placedBy) misplacedStates(stateTopic, misplaced, report.placedBy);
  const keptAgainstTombstones = new Map([...kept].map(([p, keys]) => [p, [...keys]]));
  return { stores, records, unreadable, keptAgainstTombstones, ms: Date.now() - started };
}

/**
 * Fails the restore when a ticket's state is on another partition than its key's. That happens
 * only when the partition count changed with the states left where the old count put them (the
 * start-up step that moves them, place-states.ts, did not run: another processor of the group was
 * running). Restored, such a state would sit in a task that never sees its ticket's events, each
 * then quarantined UNKNOWN_TICKET, the ticket stuck at its last status. Failing, the assignment
 * is tried again, and health, readiness and `closeloop health` name this error until a start
 * with the group empty has moved them.
 */
function misplacedStates(
  stateTopic: string,
  misplaced: ReadonlyMap<number, ReadonlySet<string>>,
  placedBy: NonNullable<RestoreReport['placedBy']>,
): void {
  const counts = [...misplaced].filter(([, keys]) => keys.size > 0).map(([p, keys]) => [p, keys.size] as const);
  const total = counts.reduce((n, [, c]) => n + c, 0);
  if (total === 0) return;
  throw new CloseloopError(
    'CL_TOPIC_MISMATCH',
    `${total} ticket states in ${stateTopic} are not on their key's partition with processor.partitions ` +
      `${placedBy.partitions} (${counts.map(([p, c]) => `partition ${p} holds ${c}`).join(', ')}): they were ` +
      `written under another partition count. Stop every processor of group ${placedBy.groupId} and start ` +
      `again: a start with the group empty moves them (${PARTITION_CHANGE_GUIDE})`,
    { details: { partitions: placedBy.partitions, misplaced: Object.fromEntries(counts) } },
  );
}
