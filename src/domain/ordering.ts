import { positionOf, type DecideContext } from './context.ts';
import type { Envelope } from './types.ts';

/**
 * How far an event's position may lie beyond what was applied before it is believed. A position
 * is a high-water mark: once one absurd value is applied, every real event after it looks stale,
 * so an implausible one is quarantined instead of applied.
 */
export interface OrderingBounds {
  /** Largest jump of a source's sequence above the last applied one. */
  readonly maxSequenceJump: number;
  /** How far after processing time an occurredAt (for sources without a sequence) may lie. */
  readonly maxFutureMs: number;
}

/**
 * A source's sequence counts every change it emits, for all its records, so the gap between two
 * events of one work order is the source's traffic in between: 100 000 covers a source emitting
 * 3 000 changes a day for a work order open a month. One day of clock skew is more than any
 * source has, and less than any corrupted date.
 */
export const DEFAULT_ORDERING: OrderingBounds = { maxSequenceJump: 100_000, maxFutureMs: 86_400_000 };

/**
 * Whether an instant lies further after `now` than `maxFutureMs` (processor.ordering) allows:
 * the one test of it, for the processor's ordering and request times and for the import, which
 * refuses up front what the processor would quarantine. Not a number is beyond.
 */
export function beyondSkew(at: number, now: number, maxFutureMs: number): boolean {
  return !(at - now <= maxFutureMs);
}

// Avro allows longs far beyond what a Date can show; those must not throw while being described.
function instant(ms: number): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString() : String(ms);
}

/**
 * Why an event's position is not believable against the last applied one, or null when it is.
 * The first event (nothing applied yet) has no jump to judge; a date is judged by itself. What
 * became of the event is the caller's to say: an OPENED still opens its ticket.
 */
export function implausiblePosition(envelope: Envelope, last: number, ctx: DecideContext): string | null {
  const bounds = ctx.policy.ordering ?? DEFAULT_ORDERING;
  const position = positionOf(envelope);
  // != null: an envelope of a writer without the field must not pass for one with a sequence.
  if (envelope.sequence != null) {
    if (!Number.isFinite(last) || position - last <= bounds.maxSequenceJump) return null;
    return (
      `sequence ${position} jumps ${position - last} past ${last}, more than ` +
      `processor.ordering.maxSequenceJump (${bounds.maxSequenceJump})`
    );
  }
  if (!beyondSkew(position, ctx.now, bounds.maxFutureMs)) return null;
  return (
    `occurredAt ${instant(position)} is more than processor.ordering.maxFutureMs (${bounds.maxFutureMs} ms) ` +
    `after processing time ${instant(ctx.now)}`
  );
}
