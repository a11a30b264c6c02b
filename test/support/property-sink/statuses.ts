/**
 * Tickets whose statuses the CRM sink delivers, and a CRM that fails now and then, for the CRM
 * sink's property test (test/unit/connectors/crm-sink.property.test.ts): each ticket opened and
 * moved through department steps and notes by the pure lifecycle (so its statuses are real ones,
 * versions 1, 2, 3, ...), an agent holding some ticket open in the CRM for a while, and calls
 * failed before or after the CRM applies them.
 */
import fc from 'fast-check';
import { callFaults, type CallFaults } from './faults.ts';
import type { CrmSimulatorOptions } from '../../../connectors/crm-rest/simulator.ts';

export type TicketStep =
  { readonly kind: 'dept'; readonly rawStatus: string } | { readonly kind: 'note' } | { readonly kind: 'cancel' };

export interface StatusScript {
  readonly faults: CallFaults;
  readonly lockAnswer: NonNullable<CrmSimulatorOptions['lockAnswer']>;
  readonly repeatConflict: boolean;
  readonly tickets: readonly {
    readonly steps: readonly TicketStep[];
    /** An agent opens the ticket before this version is sent, and closes it after this many refusals. */
    readonly lock: { readonly at: number; readonly refusals: number } | null;
  }[];
}

const step: fc.Arbitrary<TicketStep> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('dept' as const),
      rawStatus: fc.constantFrom('APPR', 'WSCH', 'INPRG', 'WMATL', 'COMP', 'CLOSE', 'CAN'),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'note' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
);

export const statusScript: fc.Arbitrary<StatusScript> = fc.record({
  faults: callFaults,
  lockAnswer: fc.constantFrom('declined' as const, 'conflict' as const, 'locked' as const),
  repeatConflict: fc.boolean(),
  tickets: fc.array(
    fc.record({
      steps: fc.array(step, { maxLength: 6 }),
      lock: fc.option(fc.record({ at: fc.integer({ min: 1, max: 6 }), refusals: fc.integer({ min: 1, max: 3 }) })),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});
