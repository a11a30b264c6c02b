import { CloseloopError, isCloseloopError, sleep, type Logger, type WorkOrderCommand } from '../../src/sdk/index.ts';
import { alreadyCommitted, transactionIdOf, type MaximoClient } from './client.ts';
import { commandToWorkOrder } from './mapping.ts';

/** Network failures of a POST that never reached Maximo: no connection was made. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Uncertain CREATEs remembered at most; past it the oldest is forgotten (see Creates). */
const MAX_UNCERTAIN = 10_000;

/**
 * Whether a failed POST may have taken effect: a time-out, a connection dropped after sending, a
 * 5xx (a gateway's 504 while Maximo still saves) or an answer that is no answer. Not a refusal
 * (4xx), a connection never made, or a 429, which a throttle answers before the request is run.
 */
function mayHaveTaken(err: unknown): boolean {
  if (!isCloseloopError(err) || !err.retriable) return false;
  const code = err.details['errorCode'];
  return !(typeof code === 'string' && NOT_SENT.has(code)) && err.details['httpStatus'] !== 429;
}

/**
 * CREATE, once. Maximo does not refuse a second work order with the same externalrefid, so a
 * CREATE looks for it first. That look is not enough after a POST that may have taken: a busy
 * app server goes on saving after the bridge gave up waiting, and a retry's look-up until the
 * save commits finds nothing, so a blind POST would make a second work order (whose events and
 * commands the bridge could no longer tell from the first's).
 *
 * So, as the POSSE sink does with notes, such a CREATE is remembered as uncertain (by command id,
 * with when its POST failed), and before posting again the connector gives the save timeoutMs
 * from that failure to land (after a time-out, twice the client's time-out since the POST was
 * sent). It waits here rather than failing as retriable: the runner's retry
 * budget is shorter than a default time-out (and the wait no longer than one more call that
 * times out), and spending it would pause the sink as `unavailable` while Maximo answers. Every
 * POST carries the command's transactionid: once the first save has committed, Maximo refuses
 * another with 409, and the work order is then looked up rather than made twice. A save still
 * uncommitted when it is posted again is made twice all the same, and the two work orders are
 * then found by the next look-up (CL_CONNECTOR_DUPLICATE_WORK_ORDER, see byExternalRef), never
 * acted on silently.
 *
 * In memory, and bounded: after a restart, which takes longer than most saves, only the look-up
 * guards.
 */
export class Creates {
  readonly #api: MaximoClient;
  readonly #settleMs: number;
  readonly #clock: () => number;
  readonly #log: Logger;
  /** The CREATEs whose POST may have taken, by command id, with when it failed (oldest first). */
  readonly #uncertain = new Map<string, number>();

  constructor(o: { api: MaximoClient; settleMs: number; clock: () => number; logger: Logger }) {
    this.#api = o.api;
    this.#settleMs = o.settleMs;
    this.#clock = o.clock;
    this.#log = o.logger;
  }

  /**
   * `signal` (the runner stopping) ends the wait for a save, and the POST: the command stays
   * uncertain, and is delivered again by whoever takes its partition, which looks first.
   */
  async deliver(c: WorkOrderCommand, site: string, signal?: AbortSignal): Promise<void> {
    const failedAt = this.#uncertain.get(c.commandId);
    if (await this.#exists(c, site)) return;
    if (failedAt !== undefined) {
      const wait = failedAt + this.#settleMs - this.#clock();
      if (wait > 0) {
        await sleep(wait, signal);
        signal?.throwIfAborted();
        if (await this.#exists(c, site)) return;
      }
      this.#log.warn(
        {
          ticketId: c.ticketId,
          commandId: c.commandId,
          workOrderId: c.workOrderId,
          sinceFailedMs: this.#clock() - failedAt,
        },
        'no work order from the earlier unanswered POST after waiting for its save; posting again',
      );
    }
    try {
      await this.#api.create(commandToWorkOrder(c, site), transactionIdOf(c.commandId), signal);
      this.#uncertain.delete(c.commandId);
    } catch (err) {
      if (alreadyCommitted(err)) return this.#committed(c, site, err);
      if (mayHaveTaken(err)) this.#remember(c.commandId);
      throw err;
    }
  }

  /**
   * Maximo refused the POST as a write it committed already (its transactionid seen: an earlier
   * POST's answer was lost). The work order is then there to be found; one that is not (deleted,
   * or its externalrefid changed since) is no work order the bridge can act on: a data error.
   */
  async #committed(c: WorkOrderCommand, site: string, err: unknown): Promise<void> {
    if (await this.#exists(c, site)) return;
    throw new CloseloopError(
      'CL_CONNECTOR_REJECTED',
      `Maximo answered 409 to the work order for ${c.workOrderId}, as to a POST it committed already, ` +
        `but has no work order with externalrefid ${c.workOrderId} at site ${site}`,
      { cause: err, details: { httpStatus: 409, externalrefid: c.workOrderId, siteid: site } },
    );
  }

  async #exists(c: WorkOrderCommand, site: string): Promise<boolean> {
    const wo = await this.#api.byExternalRef(c.workOrderId, site);
    if (!wo) return false;
    if (this.#uncertain.delete(c.commandId))
      this.#log.warn(
        { ticketId: c.ticketId, commandId: c.commandId, wonum: wo.wonum },
        'the work order of an earlier unanswered POST is in Maximo; not posted again',
      );
    return true;
  }

  #remember(commandId: string): void {
    // Set anew at the end: the window runs from this failure, and the oldest go first.
    this.#uncertain.delete(commandId);
    if (this.#uncertain.size >= MAX_UNCERTAIN) this.#uncertain.delete(this.#uncertain.keys().next().value ?? '');
    this.#uncertain.set(commandId, this.#clock());
  }
}
