import {
  RECONCILE_ORIGIN,
  type Envelope,
  type SourceRecord,
  type WorkOrderCommand,
  type WorkOrderEvent,
} from '../../src/sdk/index.ts';
import { transactionIdOf, type MaximoWorkOrder, type NewWorkOrder } from './client.ts';

/**
 * A work order the bridge can route: it carries the 311 ticket it was opened for. An empty
 * origrecordid names no ticket, as one left out does: taken for one, its event went out keyed by
 * "", for the processor to refuse as a blank ticket id. The feed dead-letters an SR work order
 * that names none (see feedChangeIn); the lookup finds no work order of the bridge's in it.
 */
export function fromTicket(wo: MaximoWorkOrder): wo is MaximoWorkOrder & { origrecordid: string } {
  return wo.origrecordclass === 'SR' && wo.origrecordid !== undefined && wo.origrecordid !== '';
}

/**
 * A work order's status as Maximo's own rules know it: the internal value of the site's status.
 * A site may name its statuses otherwise (a CANCELLED synonym of CAN), and what the bridge decides
 * by the status (closed in the system, cancelled already, scheduled with a date) goes by what the
 * status means, not what the site calls it. The event keeps the site's own code for the mapping.
 */
export function internalStatus(wo: MaximoWorkOrder): string {
  return wo.status_maxvalue ?? wo.status;
}

/**
 * The id of a work order that is not the bridge's: one a planner opened for the ticket without
 * the bridge (no reference of ours), or a second one under the bridge's reference (see feed.ts).
 */
export const ownId = (wo: Pick<MaximoWorkOrder, 'siteid' | 'wonum'>) => `${wo.siteid}/${wo.wonum}`;

/**
 * The one mapping from a work order's state to a department event, for the feed and the lookup
 * alike, so that an event and an observation of the same state cannot disagree. CLOSE and CAN
 * are Maximo's history statuses: the record is closed in the system.
 */
function toEvent(
  wo: MaximoWorkOrder & { origrecordid: string },
  department: string,
  system: string,
  envelope: Pick<Envelope, 'eventId' | 'jurisdiction' | 'sequence' | 'origin'> & { occurredAt?: number },
  workOrderId: string = wo.externalrefid ?? ownId(wo),
): WorkOrderEvent {
  const schedstart = wo.schedstart === undefined ? null : Date.parse(wo.schedstart);
  const status = internalStatus(wo);
  return {
    envelope: {
      ...envelope,
      source: `maximo:${wo.siteid}`,
      occurredAt: envelope.occurredAt ?? Date.parse(wo.statusdate),
      correlationId: null,
    },
    ticketId: wo.origrecordid,
    workOrderId,
    system,
    department,
    rawStatus: wo.status,
    rawStatusLabel: wo.status_description ?? null,
    systemClosed: status === 'CLOSE' || status === 'CAN',
    note: null,
    expectedAt: ['APPR', 'WSCH', 'WMATL', 'WPCOND'].includes(status) ? schedstart : null,
  };
}

/**
 * A change read from the feed. Its id names the row version, so the same change read twice is
 * one event. Its position is the status date (Maximo has no change sequence, and a priority
 * change re-reads the same status without moving it), or `occurredAt` where the feed places it
 * otherwise to keep the work order's changes in the order of their row stamps (see order.ts).
 * `second`: a second work order under the bridge's reference, published under its own id.
 */
export function workOrderToEvent(
  wo: MaximoWorkOrder & { origrecordid: string },
  department: string,
  jurisdiction: string,
  system: string,
  placed: { occurredAt?: number; second?: boolean } = {},
): SourceRecord<WorkOrderEvent> {
  const { occurredAt, second = false } = placed;
  return {
    key: wo.origrecordid,
    value: toEvent(
      wo,
      department,
      system,
      {
        eventId: `maximo:${jurisdiction}:${wo.siteid}:${wo.wonum}:${wo._rowstamp}`,
        jurisdiction,
        sequence: null,
        origin: 'maximo',
        ...(occurredAt === undefined ? {} : { occurredAt }),
      },
      second ? ownId(wo) : undefined,
    ),
  };
}

/** A work order as a lookup's observation: the same state gives the same id, so it is one event. */
export function workOrderToObservation(
  wo: MaximoWorkOrder & { origrecordid: string },
  department: string,
  jurisdiction: string,
  system: string,
  workOrderId?: string,
): WorkOrderEvent {
  return toEvent(
    wo,
    department,
    system,
    {
      eventId: `maximo:${jurisdiction}:${RECONCILE_ORIGIN}:${wo.siteid}:${wo.wonum}:${wo.status}:${wo.statusdate}`,
      jurisdiction,
      sequence: null,
      origin: RECONCILE_ORIGIN,
    },
    workOrderId,
  );
}

/** Maximo's description is 100 characters; the whole text goes to the long description. */
export function commandToWorkOrder(c: WorkOrderCommand, siteid: string): NewWorkOrder {
  const text = [c.serviceCode, c.description].filter(Boolean).join(': ') || `311 request ${c.ticketId}`;
  return {
    siteid,
    description: text.slice(0, 100),
    ...(text.length > 100 ? { description_longdescription: text } : {}),
    wopriority: c.priority,
    origrecordid: c.ticketId,
    origrecordclass: 'SR',
    externalrefid: c.workOrderId,
    reportedby: '311',
  };
}

/**
 * What marks a work log entry as a command's: a last line of its long description naming the
 * command's transaction id. Maximo's WORKLOG has no column for another system's reference, and a
 * note's text is no key (two notes may say the same), so this line is how a command delivered
 * again, after the five minutes Maximo keeps a transaction id (a replay from the dead-letter
 * topic), finds the entry it made. The id is letters, digits, dashes and underscores, so it
 * reads the same in a long description Maximo keeps as rich text.
 */
export function noteRef(c: WorkOrderCommand): string {
  return `311 bridge ref: ${transactionIdOf(c.commandId)}`;
}

/** A work log entry for a command, its long description ending with the command's noteRef. */
export function worklogEntry(c: WorkOrderCommand, logtype: string, text: string) {
  return { logtype, description: text.slice(0, 100), description_longdescription: `${text}\n\n${noteRef(c)}` };
}

/** Whether a work order's log has the command's entry (see noteRef). */
export function logged(wo: MaximoWorkOrder, c: WorkOrderCommand): boolean {
  const ref = noteRef(c);
  return (wo.worklog ?? []).some((l) => l.description_longdescription?.includes(ref) === true);
}
