import { CloseloopError, isCloseloopError } from '../errors/index.ts';

/**
 * A transaction whose send or offset commit failed can only be aborted, as Java's producer has
 * it (its abortable error state). The request that failed may have written part of its records
 * (a send goes in several requests when large, and a request that timed out may have been
 * written all the same), and an earlier send's records are in the transaction too: committing
 * would make a partial set of outputs, or outputs without their input offsets, visible for good.
 * So after the first failure every request of the transaction but abort is refused, naming it.
 *
 * A fence is not recorded: the producer refuses everything as CL_KAFKA_FENCED already, and that
 * code is what callers stand aside on. One instance per transaction, in both adapters.
 */
export class AbortOnly {
  #first: CloseloopError | null = null;

  /** Runs one request of the transaction, refused after an earlier failure, recording its own. */
  async run<T>(action: string, request: () => Promise<T>): Promise<T> {
    this.check(action);
    try {
      return await request();
    } catch (err) {
      if (isCloseloopError(err) && err.code !== 'CL_KAFKA_FENCED') this.#first ??= err;
      throw err;
    }
  }

  /** Refuses `action` (a commit, a send) once a request of the transaction has failed. */
  check(action: string): void {
    const first = this.#first;
    if (first === null) return;
    throw new CloseloopError(
      'CL_KAFKA_FATAL',
      `${action}: an earlier request of this transaction failed (${first.code}: ${first.message}); ` +
        'what it wrote may be partial, so the transaction can only be aborted',
      { cause: first, details: { failedCode: first.code } },
    );
  }
}
