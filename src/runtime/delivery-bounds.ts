import { CloseloopError, messageOf } from '../errors/index.ts';
import { errorSummary } from './exhausted.ts';
import type { Logger } from '../observability/logger.ts';
import { outageReason, type PauseSet } from './pause.ts';
import { RejectionBreaker } from './rejection-breaker.ts';

/** What the sink runner does with a record whose delivery failed. */
export type Verdict =
  | { readonly act: 'hold' }
  | { readonly act: 'dead-letter'; readonly error: unknown; readonly exhausted: boolean }
  | { readonly act: 'pause'; readonly reason: 'credentials' | 'endpoint' | 'unavailable' };

/**
 * The two bounds on how far a sink runner goes with records that fail, decided in one place so
 * their interaction is decided once (a module of its own, beside sink-runner.ts, which consumes,
 * pauses and dead-letters, and would otherwise pass 400 lines):
 *
 * - the breaker (`breakAfterSameStatus`, see RejectionBreaker) watches data errors: a run of
 *   records refused with one HTTP status is an outage in disguise, so the next one is held
 *   (`breaker`) until an operator resumes the connector;
 * - the delivery-cycle bound (`maxDeliveryCycles`) watches outages: a record still failing after
 *   that many pause cycles, each ended by a passing health probe, fails on its own, and is
 *   dead-lettered as CL_DELIVERY_EXHAUSTED with a DELIVERY_EXHAUSTED alert.
 *
 * They do not feed each other. A breaker hold is no pause cycle: it ends when an operator says
 * so, not when the system answers its probe, so it tells nothing about the record, and a held
 * record tried again after the resume keeps the cycles it had counted, no more. An exhausted
 * record's dead letter is no refusal: it carries no HTTP status of its own, comes after minutes
 * of pauses rather than at full speed, and has its own alert, so it neither counts toward the
 * breaker nor ends a run of one status. Every outage reason counts its cycles (`endpoint` too: a
 * redirect that the passing probe does not get is this record's call), and a record the breaker
 * would hold never reaches the cycle bound, which only outages reach.
 */
export class DeliveryBounds {
  readonly breaker: RejectionBreaker;
  readonly #maxCycles: number;
  #held: Promise<void> | null = null;

  constructor(o: { breakAfterSameStatus?: number | undefined; maxDeliveryCycles?: number | undefined }) {
    this.breaker = new RejectionBreaker(o.breakAfterSameStatus ?? DEFAULT_BREAK_AFTER_SAME_STATUS);
    this.#maxCycles = o.maxDeliveryCycles ?? DEFAULT_MAX_DELIVERY_CYCLES;
  }

  /** What to do with a record that failed with `err` after `cycles` pause cycles. */
  judge(err: unknown, cycles: number): Verdict {
    const reason = outageReason(err);
    if (reason === null)
      return this.breaker.holds(err) ? { act: 'hold' } : { act: 'dead-letter', error: err, exhausted: false };
    if (cycles >= this.#maxCycles) return { act: 'dead-letter', error: exhaustedError(err, cycles), exhausted: true };
    return { act: 'pause', reason };
  }

  /** Every ticket in flight refused alike waits on the same hold, until resume() lets the breaker go. */
  hold(pauses: PauseSet, log: Logger, connector: string, stopped: () => boolean): Promise<void> {
    if (this.#held) return this.#held;
    const detail = this.breaker.describe(connector);
    pauses.enter('breaker', detail);
    log.error({ reason: 'breaker', httpStatus: this.breaker.tripped }, `pausing: ${detail ?? ''}`);
    const held = (async () => {
      try {
        while (this.breaker.tripped !== null) {
          if (stopped()) throw new CloseloopError('CL_KAFKA_TRANSIENT', 'sink runner stopped while held');
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        pauses.leave('breaker');
        this.#held = null;
      }
    })();
    this.#held = held;
    return held;
  }
}

const DEFAULT_BREAK_AFTER_SAME_STATUS = 5;
const DEFAULT_MAX_DELIVERY_CYCLES = 10;

function exhaustedError(last: unknown, cycles: number): CloseloopError {
  return new CloseloopError(
    'CL_DELIVERY_EXHAUSTED',
    `still failing after ${cycles} pause cycles while the system was healthy: ${messageOf(last)}`,
    { cause: last, details: { cycles, lastError: errorSummary(last) } },
  );
}
