import { CloseloopError, isCloseloopError, messageOf, sleep } from '../errors/index.ts';
import { deadLetter, deadLetterTopic, type IncomingRecord, type MessageProducer } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Health } from '../sdk/connector.ts';
import { probeDelay, retryAfterDetail, type PauseReason, type PauseSet } from './pause.ts';
import { unlessStopped } from './source-outage.ts';

/** What ends a record's handling when the runner stops: the batch commits nothing from that record on. */
export function stoppedError(when: string): CloseloopError {
  return new CloseloopError('CL_KAFKA_TRANSIENT', `sink runner stopped (${when})`);
}

export interface SinkWaitsOptions {
  readonly pauses: PauseSet;
  readonly log: Logger;
  readonly probeIntervalMs: number;
  /** The runner's stop signal, as it is now (each start makes a new one). */
  readonly signal: () => AbortSignal;
  readonly health: () => Promise<Health>;
}

/**
 * The sink runner's pauses: each holds the record in hand, inside its batch, until a probe says
 * the way is clear. Waiting inside the batch keeps the partition's order; the consumer keeps the
 * group membership meanwhile (the messaging port promises handlers may take as long as they need).
 */
export class SinkWaits {
  readonly #o: SinkWaitsOptions;
  readonly #healthy = new Map<PauseReason, Promise<void>>();

  constructor(options: SinkWaitsOptions) {
    this.#o = options;
  }

  /**
   * Paused on `reason` until `probe` answers true, or a number for a system that asked
   * (Retry-After) to be left alone that long: no probe comes sooner. A stop ends the wait with
   * stoppedError.
   */
  async until(
    reason: PauseReason,
    probe: () => Promise<boolean | number>,
    detail: string | null = null,
    retryAfterMs: number | null = null,
  ): Promise<void> {
    const { pauses, probeIntervalMs: interval } = this.#o;
    pauses.enter(reason, detail);
    let wait = probeDelay(interval, retryAfterMs);
    const signal = this.#o.signal();
    try {
      for (;;) {
        await sleep(wait, signal);
        if (signal.aborted) throw stoppedError('paused');
        // A probe still out when the runner stops is dropped, but not a dead-letter write: one
        // that landed must be committed, or the partition's next owner writes it again.
        const probed = reason === 'dead-letter' ? { value: await probe() } : await unlessStopped(signal, probe());
        if (probed === null) throw stoppedError('paused');
        const clear = probed.value;
        if (clear === true) break;
        wait = probeDelay(interval, typeof clear === 'number' ? clear : null);
        if (typeof clear === 'number') pauses.describe(reason, retryAfterDetail(null, clear, Date.now()));
      }
    } finally {
      pauses.leave(reason);
    }
    this.#o.log.info({ reason }, 'resuming');
  }

  /**
   * Until the sink's health probe passes, or, given `maxProbes`, after that many probes that do
   * not pass; every ticket in flight that finds the system down waits on the same probe, but for
   * a bounded wait, which is the record's own. While it fails, the pause's detail (`detail`, what the failure said) is
   * followed by what the probe says (a DNS name not found, a gateway's 502), as of the last probe.
   */
  healthy(
    reason: PauseReason,
    detail: string | null,
    retryAfterMs: number | null,
    maxProbes: number | null = null,
  ): Promise<void> {
    const probe = () =>
      this.#o.health().then(
        (h) => {
          const probed = h.status === 'up' || !h.detail ? null : `health probe: ${h.detail}`;
          if (probed !== null) this.#o.pauses.describe(reason, detail === null ? probed : `${detail}; ${probed}`);
          return h.status === 'up' || (h.retryAfterMs ?? false);
        },
        () => false,
      );
    // A bounded wait is the record's own: it ends after its probes, whatever others wait for.
    if (maxProbes !== null) {
      let probes = 0;
      const bounded = async () => (await probe()) === true || (probes += 1) >= maxProbes;
      return this.until(reason, bounded, detail, retryAfterMs);
    }
    let healthy = this.#healthy.get(reason);
    if (!healthy) {
      healthy = this.until(reason, probe, detail, retryAfterMs).finally(() => this.#healthy.delete(reason));
      this.#healthy.set(reason, healthy);
    }
    return healthy;
  }

  /**
   * Writes the record's dead letter; a write that fails holds the record, paused on
   * `dead-letter`, until one succeeds. Throwing instead would make the consumer fetch the batch
   * again and deliver every record after this one anew, forever. Returns the error written.
   */
  async deadLetter(
    producer: MessageProducer | null,
    connector: string,
    record: IncomingRecord,
    err: unknown,
  ): Promise<CloseloopError> {
    const error = isCloseloopError(err)
      ? err
      : new CloseloopError('CL_CONNECTOR_REJECTED', `sink failed: ${messageOf(err)}`, { cause: err });
    const topic = deadLetterTopic(record.topic);
    const letter = deadLetter(record, error, connector, Date.now());
    const where = { ticketId: record.key?.toString('utf8'), offset: record.offset, partition: record.partition };
    let failures = 0;
    const write = async (): Promise<boolean> => {
      try {
        await producer?.send(topic, [letter]);
        return true;
      } catch (writeErr) {
        const failed = new CloseloopError('CL_DEAD_LETTER_FAILED', `writing to ${topic}: ${messageOf(writeErr)}`);
        // Loud once; the pause gauge and readiness carry the alarm while the probe keeps trying.
        const level = failures++ === 0 ? 'error' : 'debug';
        this.#o.log[level]({ ...where, code: failed.code, error: failed.message }, 'dead-letter write failed; pausing');
        return false;
      }
    };
    if (!(await write())) await this.until('dead-letter', write);
    this.#o.log.warn({ ...where, code: error.code }, 'dead-lettered');
    return error;
  }
}
