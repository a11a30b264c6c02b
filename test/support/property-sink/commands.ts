/**
 * Commands to a department's sink, and faults at the system, for the sinks' property test
 * (test/unit/connectors/maximo-sink.property.test.ts): each ticket's work order created first,
 * then notes, priorities, review requests and a cancel in any order, as the lifecycle sends them
 * (a note or review after the cancel too: the system refuses those); and a system that fails
 * calls now and then in every way the simulators can, before or after doing the write, except
 * saves slower than the client's time-out, where a second work order is possible and documented.
 */
import fc from 'fast-check';
import { callFaults, type CallFaults } from './faults.ts';
import type { WorkOrderCommand } from '../../../src/domain/index.ts';

export interface CommandScript {
  readonly faults: CallFaults;
  readonly seed: number;
  /** Per ticket, what follows its CREATE. */
  readonly tickets: readonly (readonly Follow[])[];
}

export type Follow =
  | { readonly kind: 'ADD_NOTE' }
  | { readonly kind: 'REVIEW' }
  | { readonly kind: 'UPDATE_PRIORITY'; readonly priority: number }
  | { readonly kind: 'CANCEL' };

const follow: fc.Arbitrary<Follow> = fc.oneof(
  fc.constant({ kind: 'ADD_NOTE' as const }),
  fc.constant({ kind: 'REVIEW' as const }),
  fc.record({ kind: fc.constant('UPDATE_PRIORITY' as const), priority: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ kind: 'CANCEL' as const }),
);

export const commandScript: fc.Arbitrary<CommandScript> = fc.record({
  faults: callFaults,
  seed: fc.nat(10_000),
  tickets: fc.array(fc.array(follow, { maxLength: 5 }), { minLength: 1, maxLength: 3 }),
});

/** The commands of a script, each ticket's in order: a CREATE, then what follows it. */
export function commandsOf(s: CommandScript, department: string, system: string): WorkOrderCommand[][] {
  return s.tickets.map((follows, t) => {
    const ticketId = `T-${t + 1}`;
    const command = (kind: WorkOrderCommand['kind'], n: number, over: Partial<WorkOrderCommand> = {}) => ({
      envelope: {
        eventId: `cmd-${ticketId}-${n}`,
        jurisdiction: 'testville',
        source: 'closeloop-processor',
        sequence: null,
        occurredAt: 1_796_000_000_000 + n,
        origin: 'closeloop',
        correlationId: null,
      },
      commandId: `cmd-${ticketId}-${n}`,
      ticketId,
      kind,
      department,
      system,
      workOrderId: `${ticketId}#1`,
      serviceCode: 'POTHOLE',
      description: 'A deep hole by the kerb',
      priority: 3,
      reason: null,
      note: null,
      ...over,
    });
    return [
      command('CREATE', 0),
      ...follows.map((f, i) =>
        f.kind === 'UPDATE_PRIORITY'
          ? command(f.kind, i + 1, { priority: f.priority })
          : f.kind === 'CANCEL'
            ? command(f.kind, i + 1, { reason: 'WITHDRAWN' })
            : f.kind === 'ADD_NOTE'
              ? command(f.kind, i + 1, { note: `Note ${i + 1} of ${ticketId}: the gate code is 1234.` })
              : command(f.kind, i + 1, { note: 'Please review the work.' }),
      ),
    ];
  });
}
