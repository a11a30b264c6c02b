import type { Decision, InboundEvent, TicketState } from '../../domain/index.ts';
import { scrubPii } from '../../domain/pii.ts';
import { isCloseloopError, type CloseloopError } from '../../errors/index.ts';
import { deadLetter, deadLetterTopic, subjectForTopic, type IncomingRecord } from '../../messaging/index.ts';
import type { Logger } from '../../observability/logger.ts';
import { stateToRecord } from '../codec.ts';
import type { Outbox } from '../outbox.ts';

/** A decision writes the changelog when the state changed, or a tombstone when it forgets a ticket. */
export const writesState = (prev: unknown, d: Decision): boolean =>
  d.stateChanged || (prev !== null && d.state === null);

/**
 * Stage 3: everything a decision writes but its state: statuses, commands, links, violations
 * and alerts. The state goes once per ticket and transaction (emitStates). Undefined when all
 * of it is in the outbox already, as it is once the serde has the schemas in hand; else a
 * promise to await before the next record (see Outbox.encode).
 */
export function emitDecision(out: Outbox, d: Decision): Promise<void> | undefined {
  for (const s of d.statuses) out.encode('status', s.ticketId, s);
  for (const c of d.commands) out.encode('commands', c.ticketId, c);
  for (const l of d.links) out.encode('links', l.ticketId, l);
  for (const v of d.violations) out.encode('quarantine', v.ticketId, v);
  for (const a of d.alerts) out.encode('alerts', a.alertId, a);
  // Counted only once the transaction commits, and only once every output of the decision is in
  // the outbox: none of these is if an encode fails.
  const pending = out.settled();
  if (!pending) {
    out.alerts.push(...d.alerts);
    return undefined;
  }
  return pending.then(() => void out.alerts.push(...d.alerts));
}

/**
 * emitDecision, with a decision whose outputs cannot be encoded taken back out of the outbox
 * and its error returned, for the input record to be dead-lettered: thrown on, it would abort the
 * transaction, and the same record would fail it again on every fetch, stalling the partition.
 * A retriable failure (the registry out of reach) is thrown: the transaction is tried again.
 * Awaits only when a schema had to be fetched (see Outbox.encode): an await per event is a
 * promise and a turn of the microtask queue more.
 */
export function emitted(out: Outbox, d: Decision): CloseloopError | undefined | Promise<CloseloopError | undefined> {
  out.begin();
  let emitting: Promise<void> | undefined;
  try {
    emitting = emitDecision(out, d);
  } catch (err) {
    return unwritable(out, err);
  }
  return emitting?.then(
    () => undefined,
    (err: unknown) => unwritable(out, err),
  );
}

function unwritable(out: Outbox, err: unknown): CloseloopError {
  if (!isCloseloopError(err) || err.retriable) throw err;
  out.rewind();
  return err;
}

/**
 * The changelog records of one transaction: each changed ticket's last state, or a tombstone for
 * one it forgets. A ticket that several of the transaction's events moved is written once: the
 * changelog is compacted and read only for its last record per key, and a transaction's records
 * are seen all together or not at all. The partition is the task's, whatever a foreign
 * producer's partitioner did with the input, so the restore of this task finds it.
 */
export async function emitStates(
  out: Outbox,
  changes: ReadonlyMap<string, TicketState | null>,
  partition: number,
): Promise<void> {
  const topic = out.config.topics.state;
  const subject = subjectForTopic(topic);
  for (const [ticketId, state] of changes) {
    let value: Buffer | null = null;
    if (state) {
      const record = stateToRecord(state);
      value = out.serde.encodeKnown(subject, record) ?? (await out.serde.encode(subject, record));
    }
    out.emit(topic, { key: ticketId, value, partition });
  }
}

/**
 * The CL_ENCODE_INVALID a ticket state's changelog record cannot be encoded with, or undefined
 * when it can; anything else (the registry out of reach, a subject without a schema) is thrown. Asked only when a transaction's
 * states failed to encode (see the processor's #process): encoding every state of every event
 * would double the work of the usual case, where the last state per ticket is written once.
 */
export async function stateUnwritable(out: Outbox, state: TicketState): Promise<CloseloopError | undefined> {
  const subject = subjectForTopic(out.config.topics.state);
  try {
    const record = stateToRecord(state);
    if (!out.serde.encodeKnown(subject, record)) await out.serde.encode(subject, record);
    return undefined;
  } catch (err) {
    if (!isCloseloopError(err, 'CL_ENCODE_INVALID')) throw err;
    return err;
  }
}

export function logDecided(log: Logger, event: InboundEvent, d: Decision): void {
  // Asked first: the fields cost an object and three lists per event, which a logger above debug
  // drops unread (measured: 52 -> 5 ns per event at level info).
  if (!log.isLevelEnabled('debug')) return;
  log.debug(
    {
      ticketId: event.event.ticketId,
      correlationId: event.event.envelope.correlationId ?? event.event.envelope.eventId,
      eventId: event.event.envelope.eventId,
      versions: d.statuses.map((x) => x.version),
      commands: d.commands.map((c) => c.kind),
      violations: d.violations.map((v) => v.kind),
    },
    'decided',
  );
}

/**
 * The one dead-letter path: a record that cannot be decoded or decided goes to `<topic>.dlq`
 * with its provenance, and the partition goes on. A throwing decide() is a bug, logged as such.
 */
export function emitDeadLetter(
  out: Outbox,
  record: IncomingRecord,
  error: CloseloopError,
  now: number,
  log: Logger,
  event?: InboundEvent,
): void {
  const fields = {
    // A key that did not read as its ticket id is a producer's, and may be a caller's contact (see toInbound).
    ticketId: event?.event.ticketId ?? (record.key === null ? undefined : scrubPii(record.key.toString('utf8'))),
    correlationId: event ? (event.event.envelope.correlationId ?? event.event.envelope.eventId) : undefined,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    code: error.code,
    err: error.message,
  };
  if (error.code === 'CL_DECIDE_FAILED') log.error(fields, 'dead-lettered');
  else log.warn(fields, 'dead-lettered');
  out.emit(deadLetterTopic(record.topic), deadLetter(record, error, 'lifecycle-processor', now));
}
