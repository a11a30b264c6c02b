import type { Policy } from './policy.ts';
import type { Envelope } from './types.ts';

export const BRIDGE_ORIGIN = 'closeloop';
/**
 * Origin of a work-order event a connector's lookup observed rather than a feed reported: the
 * system's current state, read during reconciliation, with no position in the system's feed.
 */
export const RECONCILE_ORIGIN = 'reconcile';
/**
 * Origin of CRM events read from a city's history export (closeloop import): facts the CRM and
 * the departments already know, so the bridge records them and acts on none of them.
 */
export const IMPORT_ORIGIN = 'import';
export const PROCESSOR_SOURCE = 'closeloop-processor';

export interface DecideContext {
  readonly policy: Policy;
  /** Processing time, epoch ms; passed in so decide() stays pure and replayable. */
  readonly now: number;
}

/**
 * Envelopes of the bridge's own records. The id derives from the input event's id, so a
 * replay of the same input yields records with the same ids, which consumers de-duplicate.
 */
export function childEnvelope(input: Envelope, ctx: DecideContext, suffix: string): Envelope {
  return {
    eventId: `${input.eventId}/${suffix}`,
    jurisdiction: input.jurisdiction,
    source: PROCESSOR_SOURCE,
    sequence: null,
    // What an imported fact causes is history too: it happened when the fact did, and its
    // origin tells every sink it is not to be delivered.
    occurredAt: input.origin === IMPORT_ORIGIN ? input.occurredAt : ctx.now,
    origin: input.origin === IMPORT_ORIGIN ? IMPORT_ORIGIN : BRIDGE_ORIGIN,
    correlationId: input.correlationId ?? input.eventId,
  };
}

/** Where an event sits in its source's order: its sequence, else its time. */
export function positionOf(envelope: Envelope): number {
  return envelope.sequence ?? envelope.occurredAt;
}
