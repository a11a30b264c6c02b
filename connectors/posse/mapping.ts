import {
  CloseloopError,
  instantIn,
  quotedValue,
  RECONCILE_ORIGIN,
  type Envelope,
  type SourceRecord,
  type WorkOrderCommand,
  type WorkOrderEvent,
} from '../../src/sdk/index.ts';
import type { NewJob, PosseChange, PosseJobView } from './client.ts';

/**
 * A change of a job a 311 ticket made: the bridge's work order, routed by its ticket. The feed
 * passes over the others (a permit, a department's own case), which carry neither.
 */
export type TicketChange = PosseChange & { readonly ticketId: string; readonly externalRef: string };

/** A completed process, wherever it was read: the change feed or the job itself. */
type Process = Pick<
  TicketChange,
  'ticketId' | 'externalRef' | 'department' | 'outcome' | 'outcomeLabel' | 'jobStatus' | 'note' | 'expectedAt' | 'at'
>;

/**
 * When a process completed, in epoch milliseconds: POSSE's `at` or `createdAt` as it wrote it,
 * read in the connector's zone. The client's schema let through only a value that names an
 * instant, so a refusal here is a bug, not a change to dead-letter quietly.
 */
function instantAt(at: number | string, timeZone: string): number {
  const ms = instantIn(at, timeZone);
  if (ms === null)
    throw new CloseloopError('CL_SOURCE_RECORD_INVALID', `POSSE time ${JSON.stringify(at)} names no instant`);
  return ms;
}

/**
 * The one mapping from a process to a work-order event. The feed and the lookup both go through
 * it, so an event and an observation of the same process cannot disagree.
 */
function processToEvent(
  p: Process,
  system: string,
  timeZone: string,
  envelope: Pick<Envelope, 'eventId' | 'jurisdiction' | 'sequence' | 'origin'>,
): WorkOrderEvent {
  return {
    envelope: {
      ...envelope,
      source: `posse:${p.department}`,
      occurredAt: instantAt(p.at, timeZone),
      correlationId: null,
    },
    ticketId: p.ticketId,
    workOrderId: p.externalRef,
    system,
    department: p.department,
    rawStatus: p.outcome,
    rawStatusLabel: p.outcomeLabel,
    systemClosed: p.jobStatus !== 'Open',
    note: p.note,
    expectedAt: instantIn(p.expectedAt, timeZone),
  };
}

/**
 * A process's expected date as a warning and its log line quote it (quotedValue: as JSON,
 * contact data scrubbed, cut), when there is one and it names no instant the SDK can read
 * (instantIn): the event goes without it, and the source says which it was. It is free text
 * someone may have typed (`after the owner calls back 410-555-0199`), so never quoted whole.
 */
export function unreadExpected(p: Pick<Process, 'expectedAt'>, timeZone: string): string | null {
  if (p.expectedAt === null || instantIn(p.expectedAt, timeZone) !== null) return null;
  return quotedValue(p.expectedAt);
}

/** A completed POSSE process as a department work-order event, raw outcome code and all. */
export function changeToEvent(
  change: TicketChange,
  jurisdiction: string,
  system: string,
  timeZone = 'UTC',
): SourceRecord<WorkOrderEvent> {
  return {
    key: change.ticketId,
    value: processToEvent(change, system, timeZone, {
      eventId: `posse:${jurisdiction}:${change.seq}`,
      jurisdiction,
      sequence: change.seq,
      origin: 'posse',
    }),
  };
}

/**
 * A job as a lookup's observation of its work order: its last completed process. A job no process
 * has completed on yet exists and waits for intake, which is what RECEIVED (its first process)
 * says, so it reads as requested rather than missing. The id is the same for the same state, so
 * observing a job twice gives one event, which the processor de-duplicates.
 */
export function jobToObservation(
  job: PosseJobView,
  jurisdiction: string,
  system: string,
  timeZone = 'UTC',
): WorkOrderEvent {
  const p = job.lastProcess ?? {
    outcome: 'RECEIVED',
    outcomeLabel: 'Received; no process completed yet',
    at: job.createdAt,
    note: null,
    expectedAt: null,
  };
  // The instant, not the text POSSE wrote it as: the same state gives the same id however written.
  const at = instantAt(p.at, timeZone);
  return processToEvent({ ...job, ...p, jobStatus: job.status }, system, timeZone, {
    eventId: `posse:${jurisdiction}:${RECONCILE_ORIGIN}:${job.externalRef}:${p.outcome}:${at}`,
    jurisdiction,
    sequence: null,
    origin: RECONCILE_ORIGIN,
  });
}

/** A CREATE command as a POSSE job; the bridge's work-order id is the job's external reference. */
export function commandToJob(c: WorkOrderCommand): NewJob {
  return {
    externalRef: c.workOrderId,
    ticketId: c.ticketId,
    department: c.department,
    serviceCode: c.serviceCode,
    description: c.description,
    priority: c.priority,
  };
}
