import type { CloseloopConfig } from '../../config/index.ts';
import type { TicketState } from '../../domain/index.ts';
import type { AvroSerde, RecordBatch } from '../../messaging/index.ts';
import type { Logger } from '../../observability/logger.ts';
import { Outbox } from '../outbox.ts';
import type { InputRoute } from '../repartition.ts';
import type { TimeSlice } from '../time-slice.ts';
import { Tally } from './account.ts';
import { WorkingState } from './decide.ts';
import { decode, decodeFetching } from './decode.ts';
import { emitDeadLetter, emitted, logDecided, stateUnwritable, writesState } from './emit.ts';

/** What one pass over a task's waiting batches needs of its processor. */
export interface PassContext {
  readonly config: CloseloopConfig;
  readonly serde: AvroSerde;
  readonly clock: () => number;
  readonly log: Logger;
  /** The processor's time slice: a long pass lets the event loop run now and then. */
  readonly slice: TimeSlice;
}

/** A pass's outcome: the transaction's records, the tickets it changed and its counts. */
export interface Pass {
  readonly out: Outbox;
  readonly working: WorkingState;
  readonly tally: Tally;
}

/**
 * Every input, record by record in the order they arrived, through decode → decide → emit into
 * a fresh outbox and working state over the task's `store`. `careful` tries each new state's
 * encoding as it is made, so that the one record whose state cannot be written is dead-lettered
 * alone (see LifecycleProcessor's second pass).
 */
export async function decidePass(
  c: PassContext,
  store: ReadonlyMap<string, TicketState>,
  inputs: readonly { batch: RecordBatch; route: InputRoute }[],
  careful: boolean,
): Promise<Pass> {
  const pass: Pass = { out: new Outbox(c.config, c.serde), working: new WorkingState(store), tally: new Tally() };
  for (const { batch, route } of inputs) await readBatch(c, batch, route, pass, careful);
  return pass;
}

/** One input batch's records into the pass's outbox and working state. */
async function readBatch(
  c: PassContext,
  batch: RecordBatch,
  route: InputRoute,
  { out, working, tally }: Pass,
  careful: boolean,
): Promise<void> {
  const { config, serde } = c;
  for (const record of batch.records) {
    if (c.slice.due()) await c.slice.yield();
    // Awaited only for a record whose writer's schema must be fetched first (see decode).
    const input =
      decode(record, route, serde, config.processor.partitions) ?? (await decodeFetching(record, route, serde));
    if (input.kind === 'forward') {
      // Forwarded records commit with the offsets they were read at, so each is forwarded once.
      out.emit(input.topic, input.record);
      tally.forwarded(batch.topic);
      continue;
    }
    const verdict = input.kind === 'event' ? working.decide(input.event, config.policy, c.clock()) : input;
    if (verdict.kind === 'dead') {
      emitDeadLetter(out, record, verdict.error, c.clock(), c.log, verdict.event);
      tally.deadLettered(batch.topic, verdict.error.code);
      continue;
    }
    const { event, prev, decision } = verdict;
    const alerts = out.alerts.length;
    let unwritable = emitted(out, decision);
    // Awaited only when a schema had to be fetched (see Outbox.encode).
    if (unwritable instanceof Promise) unwritable = await unwritable;
    if (!unwritable && careful && decision.state !== null && writesState(prev, decision)) {
      unwritable = await stateUnwritable(out, decision.state);
      if (unwritable) {
        out.rewind();
        out.alerts.length = alerts;
      }
    }
    if (unwritable) {
      // The outputs of a decision go all together or not at all; so does its state.
      working.undo(verdict);
      emitDeadLetter(out, record, unwritable, c.clock(), c.log, event);
      tally.deadLettered(batch.topic, unwritable.code);
      continue;
    }
    logDecided(c.log, event, decision);
    tally.decided(prev, decision);
  }
}
