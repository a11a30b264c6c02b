import { z } from 'zod';
import type { SimulatorServer } from '../../src/sdk/index.ts';
import { newTicketSchema, type CrmTicket } from './simulator-model.ts';

/** What 311 call-takers do to tickets in the CRM simulator (CrmSimulator's methods). */
export interface CrmAgentActions {
  createTicket(input: z.input<typeof newTicketSchema>): CrmTicket;
  declareDuplicate(id: string, parentId: string): CrmTicket;
  cancel(id: string, reason: string, note: string | null): CrmTicket;
  closeByHand(id: string, note: string, closureReason: string | null): CrmTicket;
  lockTicket(id: string | undefined): CrmTicket;
  unlockTicket(id: string | undefined): CrmTicket;
}

/**
 * The CRM simulator's agent API, a module of its own beside simulator.ts: what 311 call-takers
 * do. Not behind faults: it stands for people, not the bridge. `ticket` answers a ticket with its
 * contact data (the agent's view), or throws a 404.
 */
export function serveAgentApi(
  s: SimulatorServer,
  agent: CrmAgentActions,
  ticket: (id: string | undefined) => CrmTicket,
): void {
  const id = (r: { params: Readonly<Record<string, string>> }) => r.params['id'] ?? '';
  s.route(
    'POST',
    '/agent/tickets',
    (r) => ({ status: 201, body: agent.createTicket(newTicketSchema.parse(r.body)) }),
    true,
  );
  s.route('GET', '/agent/tickets/:id', (r) => ({ status: 200, body: ticket(r.params['id']) }), true);
  s.route(
    'POST',
    '/agent/tickets/:id/duplicate',
    (r) => {
      const { parentId } = z.object({ parentId: z.string().min(1) }).parse(r.body);
      return { status: 200, body: agent.declareDuplicate(id(r), parentId) };
    },
    true,
  );
  s.route(
    'POST',
    '/agent/tickets/:id/cancel',
    (r) => {
      const b = z.object({ reason: z.string().min(1), note: z.string().nullable().default(null) }).parse(r.body);
      return { status: 200, body: agent.cancel(id(r), b.reason, b.note) };
    },
    true,
  );
  s.route(
    'POST',
    '/agent/tickets/:id/close',
    (r) => {
      const b = z.object({ note: z.string().min(1), reason: z.string().nullable().default(null) }).parse(r.body);
      return { status: 200, body: agent.closeByHand(id(r), b.note, b.reason) };
    },
    true,
  );
  // An agent's open edit, which holds status updates off the ticket until it is closed.
  s.route('POST', '/agent/tickets/:id/lock', (r) => ({ status: 200, body: agent.lockTicket(id(r)) }), true);
  s.route('DELETE', '/agent/tickets/:id/lock', (r) => ({ status: 200, body: agent.unlockTicket(id(r)) }), true);
}
