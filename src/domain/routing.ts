import type { Draft } from './draft.ts';
import { isServed, routesFor, type RouteTarget } from './policy.ts';
import { withWatch } from './sentinel/index.ts';
import { newWorkOrder, type TicketState } from './state.ts';

/**
 * Sends the ticket to the first department for its service code that has not had it yet.
 * Returns the ticket unchanged (and records why) when no department is left.
 */
export function routeTicket(t: TicketState, draft: Draft): TicketState {
  const { policy } = draft.ctx;
  // One pass over the configured routes, no array methods: the policy's lists are frozen, and
  // filter() on a frozen array takes V8's slow path (about 0.5 µs a call here).
  let target: RouteTarget | undefined;
  for (const r of routesFor(policy, t.serviceCode)) {
    if (t.departmentsTried.includes(r.department)) continue;
    if (isServed(policy, r)) {
      target ??= r;
      continue;
    }
    // A route no connector serves would leave the ticket at ROUTED for good: recorded, and passed over.
    draft.violation(
      t.ticketId,
      'NO_CONNECTOR',
      `no connector serves ${r.department} on ${r.system}; the ticket goes to the next department, if any`,
      { department: r.department, system: r.system },
    );
  }
  if (!target) {
    const tried = t.departmentsTried.length > 0 ? `; already tried: ${t.departmentsTried.join(', ')}` : '';
    draft.violation(
      t.ticketId,
      'UNROUTABLE',
      `no department left for service code ${t.serviceCode ?? '(none)'}${tried}`,
    );
    return t;
  }
  // The new work order is seen now (the bridge just created it): made so here, and the ticket
  // copied once for it (twice if from before the sentinel), not again by workOrderSeen.
  const wo = newWorkOrder(freeWorkOrderId(t), target.department, target.system, draft.ctx.now);
  const routed: TicketState = {
    ...t,
    workOrders: [...t.workOrders, wo],
    departmentsTried: [...t.departmentsTried, target.department],
  };
  // A ticket from before the sentinel gets its watch, as workOrderSeen gives it.
  const next = t.watch === null ? withWatch(routed, {}) : routed;
  draft.command(next, 'CREATE', wo);
  return next;
}

/**
 * The bridge's name for the ticket's next work order, `<ticket>#<n>`, with n one more than the
 * work orders it holds, or the next free number. A department may name a job of its own in the
 * same way, and an id the ticket holds already would make the new order replace that job's record
 * (and a department that treats a known id as a repeat would never open the work).
 */
function freeWorkOrderId(t: TicketState): string {
  for (let n = t.workOrders.length + 1; ; n += 1) {
    const id = `${t.ticketId}#${n}`;
    if (!t.workOrders.some((w) => w.workOrderId === id)) return id;
  }
}
