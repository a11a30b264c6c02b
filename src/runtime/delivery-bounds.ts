import { CloseloopError, isCloseloopError, messageOf } from '../errors/index.ts';
import { errorSummary } from './exhausted.ts';
import type { Logger } from '../observability/logger.ts';
import type { Health } from '../sdk/connector.ts';
import { outageReason, type PauseSet } from './pause.ts';
import { RejectionBreaker } from './rejection-breaker.ts';
import { stoppedError } from './sink-waits.ts';
import { unlessStopped } from './source-outage.ts';

/** What the sink runner does with a record whose delivery failed. */
export type Verdict =
  | { readonly act: 'hold' }
  /** `alert`: raise a DELIVERY_EXHAUSTED alert naming the record's ticket. */
  | { readonly act: 'dead-letter'; readonly error: unknown; readonly alert: boolean }
  | { readonly act: 'pause'; readonly reason: 'credentials' | 'endpoint' | 'unavailable' };

/**
 * The two bounds on how far a sink runner goes with records that fail, decided in one place so
 * their interaction is decided once (a module of its own, beside sink-runner.ts, which consumes,
 * pauses and dead-letters, and would otherwise pass 400 lines):
 *
 * - the breaker (`breakAfterSameStatus`, see RejectionBreaker) watches data errors: a run of
 *   tickets whose records are refused with one HTTP status is an outage in disguise, so the next
 *   one is held (`breaker`) until an operator resumes the connector; one ticket refused again and
 *   again is that ticket's trouble, and is no longer a run;
 * - the delivery-cycle bound (`maxDeliveryCycles`) watches outages: a record still failing after
 *   that many pause cycles, each ended by a passing health probe, fails on its own, and is
 *   dead-lettered as CL_DELIVERY_EXHAUSTED with a DELIVERY_EXHAUSTED alert.
 *
 * They do not feed each other. A breaker hold is no pause cycle: it ends when an operator says
 * so, not when the system answers its probe, so it tells nothing about the record, and a held
 * record tried again after the resume keeps the cycles it had counted, no more. An exhausted
 * record's dead letter is no refusal: it carries no HTTP status of its own, comes after minutes
 * of pauses rather than at full speed, and has its own alert, so it neither counts toward the
 * breaker nor ends a run of one status. Nor does a record refused as out of order
 * (CL_CONNECTOR_OUT_OF_ORDER): it is dead-lettered at once with the same alert, since only the
 * delivery of its ticket's earlier record can let it through. Every outage reason counts its cycles (`endpoint` too: a
 * redirect that the passing probe does not get is this record's call), and a record the breaker
 * would hold never reaches the cycle bound, which only outages reach. A pause a Retry-After asked
 * for counts too once the probe passes: the system then said it was up, and its wait stretches
 * each cycle, so a throttled record is given up on later, never sooner. A refusal met while the
 * health probe says down (refusedWhileDown) is an outage too: neither dead-lettered nor counted
 * toward the breaker, it pauses (`unavailable`) and counts its cycles, each of which ends when the
 * probe passes or after DOWN_CYCLE_PROBES probes that fail. Down is believed for the record's
 * `maxDeliveryCycles` only: a probe that fails for good while writes are answered (POSSE's reads
 * the change feed, whose fault may be the feed's alone) would otherwise hold the record, and every
 * ticket behind it, for good; past them the refusal is judged as the data error it says it is.
 */
export class DeliveryBounds {
  readonly breaker: RejectionBreaker;
  readonly #maxCycles: number;
  #holding = false;

  constructor(o: { breakAfterSameStatus?: number | undefined; maxDeliveryCycles?: number | undefined }) {
    this.breaker = new RejectionBreaker(o.breakAfterSameStatus ?? DEFAULT_BREAK_AFTER_SAME_STATUS);
    this.#maxCycles = o.maxDeliveryCycles ?? DEFAULT_MAX_DELIVERY_CYCLES;
  }

  /**
   * What to do with a record of `ticket` (null: a record without a key) that failed with `err`
   * after `cycles` pause cycles. `systemDown`: the system's health probe did not pass when asked
   * about this failure (see refusedWhileDown), so a refusal is waited out as an outage.
   */
  judge(err: unknown, cycles: number, ticket: string | null, systemDown = false): Verdict {
    // A record refused for want of an earlier one of its ticket is that ticket's trouble, however
    // many tickets meet it: each is alerted, and none holds the others behind a breaker.
    if (isCloseloopError(err, 'CL_CONNECTOR_OUT_OF_ORDER')) return { act: 'dead-letter', error: err, alert: true };
    const believedDown = systemDown && cycles < this.#maxCycles;
    const reason = outageReason(err) ?? (believedDown ? 'unavailable' : null);
    if (reason === null)
      return this.breaker.holds(err, ticket) ? { act: 'hold' } : { act: 'dead-letter', error: err, alert: false };
    if (cycles >= this.#maxCycles) return { act: 'dead-letter', error: exhaustedError(err, cycles), alert: true };
    return { act: 'pause', reason };
  }

  /**
   * For a refusal that judge() would dead-letter or hold as the record's fault, the pause's detail
   * when the system's health probe does not pass, or null when it passes or the failure is no
   * such refusal. A system that is down refuses records it takes once it is up: an
   * application server's web tier answers 404 for every path while the application restarts, and
   * a gateway may refuse in the system's own words. Only a system whose probe passes is believed
   * about one record, as reconciliation believes a miss only from a system that is up; a
   * `degraded` one is up enough to be believed (it answers, slowly or in part). A stop ends the
   * probe with stoppedError.
   */
  async refusedWhileDown(err: unknown, health: () => Promise<Health>, signal: AbortSignal): Promise<string | null> {
    if (outageReason(err) !== null || isCloseloopError(err, 'CL_CONNECTOR_OUT_OF_ORDER')) return null;
    const probed = await unlessStopped(
      signal,
      health().catch((e: unknown): Health => ({ status: 'down', detail: `health probe failed: ${messageOf(e)}` })),
    );
    if (probed === null) throw stoppedError('probing health');
    const h = probed.value;
    if (h.status !== 'down') return null;
    const status = isCloseloopError(err) ? err.details['httpStatus'] : undefined;
    const refused = typeof status === 'number' ? `HTTP ${status}` : isCloseloopError(err) ? err.code : 'a failure';
    // What the probe says follows as the pause's detail once the pause probes (see SinkWaits.healthy).
    return `refused a record (${refused}) while its health probe says ${h.status}`;
  }

  /**
   * Holds a record the breaker would not dead-letter: the `breaker` pause is entered once for
   * every ticket in flight refused alike, and each waits on `whileHeld`, the runner's gate for new
   * records, which only release() (an operator's resume) opens.
   */
  async hold(pauses: PauseSet, log: Logger, connector: string, whileHeld: () => Promise<void>): Promise<void> {
    if (!this.#holding) {
      this.#holding = true;
      const detail = this.breaker.describe(connector);
      pauses.enter('breaker', detail);
      log.error({ reason: 'breaker', httpStatus: this.breaker.tripped }, `pausing: ${detail ?? ''}`);
    }
    await whileHeld();
  }

  /** An operator resumed the connector: what the breaker holds is tried again, its count anew. */
  release(pauses: PauseSet, log: Logger): void {
    if (this.#holding) {
      log.info({ reason: 'breaker' }, 'resumed by an operator');
      pauses.leave('breaker');
    }
    this.#holding = false;
    this.breaker.reset();
  }
}

/**
 * How many failing probes one pause cycle of a refusal met while the probe says down lasts (30 s
 * at the default probeIntervalMs; with maxDeliveryCycles 10, five minutes per record): long enough
 * for an application server's restart, bounded so that a probe down for good stalls nothing.
 */
export const DOWN_CYCLE_PROBES = 30;

const DEFAULT_BREAK_AFTER_SAME_STATUS = 5;
const DEFAULT_MAX_DELIVERY_CYCLES = 10;

function exhaustedError(last: unknown, cycles: number): CloseloopError {
  return new CloseloopError(
    'CL_DELIVERY_EXHAUSTED',
    `still failing after ${cycles} pause cycles while the system was healthy: ${messageOf(last)}`,
    { cause: last, details: { cycles, lastError: errorSummary(last) } },
  );
}
