import type { SourceRecord, WorkOrderCommand, WorkOrderEvent } from '../../src/sdk/index.ts';
import type { NewJob, PosseChange } from './client.ts';

/** A completed POSSE process as a department work-order event, raw outcome code and all. */
export function changeToEvent(change: PosseChange, jurisdiction: string, system: string): SourceRecord<WorkOrderEvent> {
  return {
    key: change.ticketId,
    value: {
      envelope: {
        eventId: `posse:${jurisdiction}:${change.seq}`,
        jurisdiction,
        source: `posse:${change.department}`,
        sequence: change.seq,
        occurredAt: change.at,
        origin: 'posse',
        correlationId: null,
      },
      ticketId: change.ticketId,
      workOrderId: change.externalRef,
      system,
      department: change.department,
      rawStatus: change.outcome,
      rawStatusLabel: change.outcomeLabel,
      systemClosed: change.jobStatus === 'Closed',
      note: change.note,
      expectedAt: change.expectedAt,
    },
  };
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
