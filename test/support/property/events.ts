/** Generated actions made into the events decide() takes, as the sources would send them. */
import type { InboundEvent, TicketState } from '../../../src/domain/index.ts';
import type { CrmAction, DeptAction } from './actions.ts';
import {
  DEPARTMENT_NOTES,
  HOUR,
  NOW,
  ORIGINS,
  SYSTEMS,
  UNMAPPED,
  woId,
  type Origin,
  type Position,
  type System,
} from './vocabulary.ts';

/** Envelopes numbered in the order they are made: ids e1, e2, …, and the live source's sequence. */
export class Envelopes {
  #counter = 0;
  #sequence = 100;

  next(origin: Origin, position: Position) {
    this.#counter += 1;
    return {
      eventId: `e${this.#counter}`,
      jurisdiction: 'testville',
      source: origin === 'live' ? 'crm-rest' : ORIGINS[origin],
      sequence: position === 'next' ? (this.#sequence += 1) : 'seq' in position ? position.seq : null,
      occurredAt: position !== 'next' && 'at' in position ? position.at : NOW - HOUR + this.#counter,
      origin: ORIGINS[origin],
      correlationId: null,
    };
  }
}

/** What an event is made in: the envelopes, the time, and the work orders each ticket holds. */
export interface EventSource {
  readonly envelopes: Envelopes;
  readonly now: number;
  workOrdersOf(ticket: string): TicketState['workOrders'];
}

export function buildEvent(a: CrmAction | DeptAction, source: EventSource): InboundEvent {
  return a.t === 'crm' ? crmEvent(a, source) : deptEvent(a, source);
}

function crmEvent(a: CrmAction, source: EventSource): InboundEvent {
  return {
    type: 'crm',
    event: {
      envelope: source.envelopes.next(a.origin, a.origin === 'reconcile' ? { at: source.now } : a.position),
      ticketId: a.ticket,
      kind: a.kind,
      serviceCode: a.serviceCode,
      serviceName: null,
      description: 'A pothole on Main St.',
      requestedAt: null,
      duplicateOf: a.duplicateOf,
      followUpOf: a.followUpOf,
      closureReason: a.closureReason,
      note: a.note,
      channel: 'PHONE',
      requestKind: a.information ? 'INFORMATION' : 'SERVICE',
      department: a.origin === 'import' ? 'transportation' : null,
      crmStatusVersion: a.origin === 'reconcile' ? a.crmStatusVersion : null,
    },
  };
}

function deptEvent(generated: DeptAction, source: EventSource): InboundEvent {
  let a = generated;
  const position = a.origin === 'live' ? a.position : { at: source.now };
  const holds = source.workOrdersOf(a.ticket);
  const named = woId(a.ticket, a.wo);
  const held = a.held ? holds[a.pick % Math.max(1, holds.length)] : holds.find((w) => w.workOrderId === named);
  const workOrderId = held?.workOrderId ?? named;
  if (a.asRouted && held && held.system in SYSTEMS) {
    const codes = SYSTEMS[held.system as System];
    const code = UNMAPPED.includes(a.code) ? a.code : (codes[a.pick % codes.length] ?? '');
    a = { ...a, system: held.system as System, department: held.department, code };
  }
  return {
    type: 'dept',
    event: {
      envelope: { ...source.envelopes.next(a.origin, position), source: `${a.system}:${a.department}` },
      ticketId: a.ticket,
      workOrderId,
      system: a.system,
      department: a.department,
      rawStatus: a.code,
      rawStatusLabel: null,
      systemClosed: a.systemClosed,
      note: DEPARTMENT_NOTES[a.pick % DEPARTMENT_NOTES.length] ?? null,
      expectedAt: a.expectedIn === null ? null : source.now + a.expectedIn * 24 * HOUR,
    },
  };
}

/** An operator's RESET_ORDER, for a ticket or one of its work orders. */
export function operatorEvent(ticket: string, wo: number | null, source: EventSource): InboundEvent {
  const e = source.envelopes.next('live', { at: source.now });
  const workOrderId = wo === null ? null : woId(ticket, wo);
  return {
    type: 'operator',
    event: { envelope: e, ticketId: ticket, kind: 'RESET_ORDER', workOrderId, by: 'ops', reason: 'test' },
  };
}
