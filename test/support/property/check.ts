/**
 * How the property tests fail, and what they print when they do: a check that throws with its
 * detail (NaN and Infinity kept readable), and short summaries of statuses and states.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Decision, TicketState, TicketStatusChange } from '../../../src/domain/index.ts';

export class PropertyFailure extends Error {}

export function check(condition: boolean, what: string, detail: unknown = undefined): asserts condition {
  if (!condition) {
    throw new PropertyFailure(detail === undefined ? what : `${what}\n${JSON.stringify(detail, replacer, 1)}`);
  }
}

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** A decision that must change nothing: the same state, and no output. */
export function expectNoChange(prev: TicketState | null, d: Decision, what: string, context: unknown): void {
  check(isDeepStrictEqual(d.state, prev), `${what} changed the ticket`, context);
  check(
    d.statuses.length === 0 && d.commands.length === 0 && d.links.length === 0 && !d.stateChanged,
    `${what} had outputs`,
    { ...(context as object), statuses: d.statuses.map(brief), commands: d.commands.map((c) => c.kind) },
  );
}

export const brief = (s: TicketStatusChange) => ({
  v: s.version,
  crm: s.crmStatus,
  state: s.lifecycleState,
  reason: s.closureReason,
  workOrders: s.workOrders.map((w) => `${w.workOrderId}:${w.state}`),
});

export const summary = (t: TicketState) => ({
  ticketId: t.ticketId,
  state: t.state,
  version: t.version,
  closureReason: t.closureReason,
  parent: t.parent,
  children: t.children,
  reviewPending: t.reviewPending,
  workOrders: t.workOrders.map((w) => `${w.workOrderId}:${w.state}@${w.lastPosition}`),
});

export const closedState = (s: string) => s === 'RESOLVED' || s === 'CANCELLED';
export const TERMINAL_WORK = ['COMPLETED', 'CANCELLED', 'REJECTED'];
