import type {
  CrmTicketEvent,
  DeliveryReceipt,
  InboundEvent,
  OperatorCommand,
  TicketLinkMessage,
  TicketState,
  TicketWatch,
  WorkOrderEvent,
  WorkOrderRecord,
} from '../domain/index.ts';
import { recentEventIdsOf, recentEventList } from '../domain/index.ts';
import { CloseloopError } from '../errors/index.ts';
import type { InputName } from '../topics/index.ts';

// The changelog has no -Infinity: "no event applied yet" is stored as null.
const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
const orNone = (n: number | null): number => n ?? Number.NEGATIVE_INFINITY;

export function stateToRecord(t: TicketState): Record<string, unknown> {
  return {
    ...t,
    crmPosition: finite(t.crmPosition),
    // seenAt goes in the watch's map, where the changelog has always kept it (see WorkOrderRecord).
    workOrders: t.workOrders.map(({ seenAt: _, ...w }) => ({ ...w, lastPosition: finite(w.lastPosition) })),
    recentEventIds: recentEventList(t.recentEventIds),
    watch: t.watch && {
      ...t.watch,
      workOrderSeenAt: Object.fromEntries(
        t.workOrders.flatMap((w) => (w.seenAt === null ? [] : [[w.workOrderId, w.seenAt]])),
      ),
    },
  };
}

export function stateFromRecord(r: Record<string, unknown>): TicketState {
  const raw = r as unknown as Omit<TicketState, 'crmPosition' | 'workOrders' | 'watch' | 'recentEventIds'> & {
    crmPosition: number | null;
    recentEventIds: string[];
    workOrders: (Omit<WorkOrderRecord, 'lastPosition' | 'seenAt'> & { lastPosition: number | null })[];
    watch: (TicketWatch & { workOrderSeenAt: Record<string, number> }) | null;
  };
  // A map as the serde decodes it: own keys only, so an id such as "__proto__" reads as itself
  // (src/messaging/avro-map.ts).
  const seen = new Map(Object.entries(raw.watch?.workOrderSeenAt ?? {}));
  // Records written with state schema v1 have no SLA clock and no hold reasons.
  return {
    ...raw,
    sla: raw.sla ?? null,
    crmPosition: orNone(raw.crmPosition),
    recentEventIds: recentEventIdsOf(raw.recentEventIds),
    workOrders: raw.workOrders.map((w) => ({
      ...w,
      holdReason: w.holdReason ?? null,
      lastPosition: orNone(w.lastPosition),
      seenAt: seen.get(w.workOrderId) ?? null,
    })),
    watch: raw.watch && watchFromRecord(raw.watch),
  };
}

function watchFromRecord(w: TicketWatch & { workOrderSeenAt?: unknown }): TicketWatch {
  const { workOrderSeenAt: _, ...watch } = w;
  return watch;
}

/**
 * Checks what Avro cannot: the record key must be the ticket id (co-partitioning depends on
 * it) and ids must not be blank.
 */
export function toInbound(input: InputName, key: string | null, value: unknown): InboundEvent {
  const v = value as { ticketId?: unknown; envelope?: { eventId?: unknown } };
  if (typeof v.ticketId !== 'string' || v.ticketId.trim() === '') {
    throw new CloseloopError('CL_RECORD_INVALID', 'ticketId is blank');
  }
  if (typeof v.envelope?.eventId !== 'string' || v.envelope.eventId.trim() === '') {
    throw new CloseloopError('CL_RECORD_INVALID', 'envelope.eventId is blank');
  }
  if (key !== v.ticketId) {
    throw new CloseloopError(
      'CL_RECORD_INVALID',
      `record key ${JSON.stringify(key)} is not its ticketId ${v.ticketId}`,
    );
  }
  switch (input) {
    case 'crmEvents':
      return { type: 'crm', event: value as CrmTicketEvent };
    case 'deptEvents': {
      const e = value as WorkOrderEvent;
      if (e.workOrderId.trim() === '') throw new CloseloopError('CL_RECORD_INVALID', 'workOrderId is blank');
      return { type: 'dept', event: e };
    }
    case 'links':
      return { type: 'link', event: value as TicketLinkMessage };
    case 'deliveries':
      return { type: 'receipt', event: value as DeliveryReceipt };
    case 'operatorCommands': {
      // The audit must name who and why; a command that cannot is not carried out.
      const c = value as OperatorCommand;
      if (c.by.trim() === '' || c.reason.trim() === '') {
        throw new CloseloopError('CL_RECORD_INVALID', 'operator command without who (by) or why (reason)');
      }
      if (c.workOrderId?.trim() === '') throw new CloseloopError('CL_RECORD_INVALID', 'workOrderId is blank');
      return { type: 'operator', event: c };
    }
  }
}
