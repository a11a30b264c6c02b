/**
 * Invariants of decide() and decideTimers() as functions, and of the changelog the processor
 * keeps of their states (§7): deterministic, pure, restorable, written whenever the state changed,
 * and at-least-once delivery harmless (§3 rule 6).
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import avro from 'avsc';
import {
  decide,
  decideTimers,
  type DecideContext,
  type Decision,
  type InboundEvent,
  type TicketState,
} from '../../../../src/domain/index.ts';
import { stateFromRecord, stateToRecord } from '../../../../src/processor/index.ts';
import { check, expectNoChange, summary } from '../check.ts';

const stateType = avro.Type.forSchema(
  JSON.parse(readFileSync('schemas/bridge.ticket-state.v1.avsc', 'utf8')) as avro.Schema,
);

/** A state as the processor restores it from its changelog record (§7). */
function restored(t: TicketState): TicketState {
  return stateFromRecord(stateType.fromBuffer(stateType.toBuffer(stateToRecord(t))) as Record<string, unknown>);
}

/** NaN cannot come off the wire (Avro longs), nor be written to the changelog. */
const hasNaN = (value: unknown): boolean =>
  JSON.stringify(value, (_k, v: unknown) => (Number.isNaN(v) ? 'NaN!' : v)).includes('"NaN!"');

const outputsOf = (d: Decision) => [d.stateChanged, d.statuses, d.commands, d.links, d.violations, d.alerts];

/** Freezes a value and all it holds, so a function that changes its input throws. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * decide(), checked deterministic and pure: prev and input are frozen, and the same call again
 * gives the same. The decision comes back frozen.
 */
export function decidePurely(prev: TicketState | null, input: InboundEvent, ctx: DecideContext): Decision {
  deepFreeze(input);
  const d = decide(prev, input, ctx);
  const again = decide(prev, input, ctx);
  check(isDeepStrictEqual(d, again), 'decide() is not deterministic for the same state and input', { input });
  return deepFreeze(d);
}

/**
 * §7: the state is restored from its changelog on partition assignment; restored, a ticket
 * decides as it would have.
 */
export function checkRestoredDecidesAlike(
  prev: TicketState | null,
  input: InboundEvent,
  ctx: DecideContext,
  d: Decision,
): void {
  if (!prev || hasNaN(prev) || hasNaN(input)) return;
  const r = decide(restored(prev), input, ctx);
  check(isDeepStrictEqual(outputsOf(r), outputsOf(d)), 'a ticket restored from its changelog decides otherwise', {
    input,
    prev: summary(prev),
    outputs: outputsOf(d),
    restored: outputsOf(r),
  });
  const same =
    r.state === null ? d.state === null : d.state !== null && isDeepStrictEqual(restored(r.state), restored(d.state));
  check(same, 'a ticket restored from its changelog ends in another state', { input, prev: summary(prev) });
}

/**
 * §7: the changelog is written only when the decision says the state changed; what it does not
 * write must be no change at all, or a restore would lose it.
 */
export function checkChangelogWrite(prev: TicketState | null, input: InboundEvent, d: Decision): void {
  if (d.stateChanged || d.state === null) return;
  const same = prev !== null && isDeepStrictEqual(stateToRecord(d.state), stateToRecord(prev));
  check(same, 'the state changed, but the decision says it did not (the changelog would miss it)', {
    input,
    prev: prev && summary(prev),
    next: summary(d.state),
  });
}

/** decideTimers(), checked deterministic; the decision comes back frozen. */
export function decideTimersPurely(key: string, prev: TicketState, ctx: DecideContext): Decision {
  const d = decideTimers(prev, ctx);
  check(isDeepStrictEqual(d, decideTimers(prev, ctx)), 'decideTimers() is not deterministic', { key });
  return deepFreeze(d);
}

/** A timer's decision: as the changelog sees it, no change unless it says so. */
export function checkTimerChangelogWrite(key: string, prev: TicketState, d: Decision): void {
  const unchanged = d.state !== null && isDeepStrictEqual(stateToRecord(d.state), stateToRecord(prev));
  check(d.stateChanged || unchanged, 'a timer changed the state, saying it did not', { key });
}

/** §3 rule 6 (and §7: at-least-once): the same input again right away is a no-op. */
export function checkReplay(input: InboundEvent, d: Decision, ctx: DecideContext): void {
  if (!d.state || input.type === 'receipt') return;
  // Not remembered (so a fixed mapping or reset watermark lets it apply), or not this event's
  // id to take: another event had it, and this one was quarantined as EVENT_ID_REUSED.
  const notTaken = ['UNMAPPED_CODE', 'IMPLAUSIBLE_SEQUENCE', 'EVENT_ID_REUSED'];
  if (d.violations.some((v) => notTaken.includes(v.kind))) return;
  const again = decide(d.state, input, ctx);
  expectNoChange(d.state, again, 'the same event delivered twice', { input });
  check(again.violations.length === 0, 'the same event delivered twice made a violation', {
    input,
    violations: again.violations,
  });
}
