import { DEFAULT_RETRY, isCloseloopError, messageOf, retryAfterOf, sleep, withRetry } from '../errors/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { SourceBatch } from '../sdk/connector.ts';
import { CursorBehind } from './cursor-behind.ts';
import { CursorHold } from './cursor-hold.ts';
import { PauseSet, retryAfterDetail, type PauseReason } from './pause.ts';
import { CURSOR_TOPIC } from './source-cursor.ts';
import {
  cursorStuck,
  fencedDetail,
  probeUntilUp,
  publishOutage,
  SOURCE_OUTAGES,
  sourceOutage,
  unlessStopped,
} from './source-outage.ts';
import { encodeBatch, PublishedTally, type EncodedBatch } from './source-publish.ts';
import { nextPollDelay, type PollOutcome, type PollPace } from './poll-pace.ts';
import type { SourceRunnerOptions, SourceRunnerStatus } from './source-runner-options.ts';
import { SourceWarnings } from './source-warnings.ts';

export { CURSOR_TOPIC } from './source-cursor.ts';
export type { SourceRunnerOptions, SourceRunnerStatus } from './source-runner-options.ts';

/**
 * Polls a source and publishes what it returns. The records and the cursor after them are
 * written in one Kafka transaction, so a crash or restart neither skips nor repeats a change.
 * A failed poll pauses it (`unavailable`, `credentials` for a refused token, `endpoint` for a
 * redirect or an API that is not where it is called) until the
 * source's health probe passes; a failed write (`kafka`, or `dead-letter` when the dead-letter
 * topic refused) until a publish succeeds again, or the stored cursor shows the failed one had.
 * Paused, it is not ready and says why.
 */
export class SourceRunner<T> {
  readonly #o: SourceRunnerOptions<T>;
  readonly #log: Logger;
  readonly #hold: CursorHold;
  #state: 'stopped' | 'running' = 'stopped';
  readonly #pauses = new PauseSet();
  /** The alarm this runner is paused by, cleared by the first poll or publish that succeeds. */
  #outage: PauseReason | null = null;
  #outageError: string | null = null;
  #operatorPaused = false;
  #cursor: string | null = null;
  readonly #tally: PublishedTally;
  #startedAt = Date.now();
  #lastPublishedAt: number | null = null;
  #loop: Promise<void> = Promise.resolve();
  #wake: (() => void) | null = null;
  #polls = 0;
  #pollDelayMs = 0;
  /** A doorbell rang since the last poll started: what it announced may not be in that poll. */
  #rang = false;
  /** The loop waits between polls (not for an outage probe), so a doorbell may end the wait. */
  #idle = false;
  readonly #warnings: SourceWarnings;
  readonly #behind: CursorBehind;
  /** Aborted by stop(): a poll or probe still out is left to end by itself, its answer dropped. */
  #stopping = new AbortController();

  constructor(options: SourceRunnerOptions<T>) {
    this.#o = options;
    this.#hold = new CursorHold({ ...options, cursorTopic: options.cursorTopic ?? CURSOR_TOPIC });
    this.#log = options.logger.child({ connector: options.connector, topic: options.topic });
    this.#warnings = new SourceWarnings(this.#log, options.connector, options.metrics);
    this.#tally = new PublishedTally(options, this.#log);
    this.#behind = new CursorBehind(options.source, options.connector, options.behindCheckMs ?? 10_000);
  }

  status(): SourceRunnerStatus {
    const pausedBy = this.#pauses.reason;
    return {
      state: this.#state === 'running' && pausedBy !== null ? 'paused' : this.#state,
      pausedBy,
      pauses: this.#pauses.reasons(),
      pauseDetail: this.#pauses.detail(pausedBy),
      cursor: this.#cursor,
      published: this.#tally.published,
      deadLettered: this.#tally.deadLettered,
      error: this.#outageError,
      lastRecordAt: this.#lastPublishedAt ?? this.#startedAt,
      lastPublishedAt: this.#lastPublishedAt,
      polls: this.#polls,
      pollDelayMs: this.#pollDelayMs,
      warnings: this.#warnings.current,
    };
  }

  async start(): Promise<void> {
    await this.#claim();
    this.#log.info({ cursor: this.#cursor }, 'source starting from its stored cursor');
    this.#state = 'running';
    this.#stopping = new AbortController();
    this.#startedAt = Date.now();
    this.#loop = this.#run();
  }

  /**
   * Takes the transactional id (an older instance can then commit no more) and reads the stored
   * cursor, which is therefore final. Done at start and again after any failed publish: the
   * transaction may have committed after all, and only the stored cursor can tell.
   */
  async #claim(): Promise<void> {
    const { cursor, publishedAt } = await this.#hold.claim();
    this.#cursor = cursor;
    this.#behind.claimed(cursor);
    // Another instance may have published since this one last did (taking turns when fenced).
    if (publishedAt !== null && publishedAt > (this.#lastPublishedAt ?? 0)) this.#lastPublishedAt = publishedAt;
  }

  async stop(): Promise<void> {
    this.#state = 'stopped';
    this.#stopping.abort();
    this.#wake?.();
    await this.#loop;
    await this.#hold.release();
    await this.#o.source.stop?.();
  }

  /** An operator's pause; false when it was paused so already. */
  pause(): boolean {
    if (this.#operatorPaused) return false;
    this.#pauses.enter('operator');
    this.#operatorPaused = true;
    return true;
  }

  /** Ends an operator's pause (and polls now); false when there was none. */
  resume(): boolean {
    const was = this.#operatorPaused;
    if (this.#operatorPaused) this.#pauses.leave('operator');
    this.#operatorPaused = false;
    this.#wake?.();
    return was;
  }

  /**
   * A doorbell: the system says something changed (a webhook). It carries no data: the runner
   * polls now, and what the poll reads is what gets published, so a missed or repeated ring
   * costs at most one idle interval or one empty poll. During an outage it does nothing.
   */
  wake(): void {
    this.#rang = true;
    if (this.#idle) this.#wake?.();
  }

  #raise(reason: PauseReason, err: unknown, detail: string | null = null): void {
    if (this.#outage !== reason) {
      this.#clear();
      this.#outage = reason;
      this.#pauses.enter(reason, detail);
    }
    this.#outageError = messageOf(err);
  }

  #clear(...only: PauseReason[]): void {
    if (this.#outage === null || (only.length > 0 && !only.includes(this.#outage))) return;
    this.#log.info({ reason: this.#outage }, 'resuming');
    this.#pauses.leave(this.#outage);
    this.#outage = null;
    this.#outageError = null;
  }

  #isStopped(): boolean {
    return this.#state === 'stopped';
  }

  // Ends at once when the runner stopped, also before it began: a stop that came while a poll or
  // a publish was out rang no wake, and the loop would otherwise sleep a whole interval first.
  #sleep(ms: number): Promise<void> {
    return sleep(ms, this.#stopping.signal, (end) => (this.#wake = end));
  }

  async #pauseBetweenPolls(ms: number): Promise<void> {
    this.#pollDelayMs = ms;
    if (ms <= 0 || this.#rang) return;
    this.#idle = true;
    await this.#sleep(ms);
    this.#idle = false;
  }

  async #run(): Promise<void> {
    const pace: PollPace = {
      idleMs: this.#o.pollIntervalMs ?? 1_000,
      busyMs: this.#o.busyPollIntervalMs ?? 25,
      backoff: this.#o.pollBackoff ?? 2,
    };
    let delay = pace.busyMs;
    while (!this.#isStopped()) {
      if (this.#operatorPaused) {
        await this.#sleep(pace.idleMs);
        continue;
      }
      const batch = await this.#poll();
      if (batch === 'stopped') break;
      if (batch !== 'failed') delay = await this.#take(batch, pace, delay);
    }
  }

  /** One poll of the source, retried; 'failed' once the runner has paused for the source being down. */
  async #poll(): Promise<SourceBatch<T> | 'stopped' | 'failed'> {
    this.#rang = false;
    this.#polls += 1;
    try {
      const signal = this.#stopping.signal;
      const polled = await unlessStopped(
        signal,
        withRetry(() => this.#o.source.poll(this.#cursor, signal), this.#o.retry ?? DEFAULT_RETRY, { signal }),
      );
      return polled === null ? 'stopped' : polled.value;
    } catch (err) {
      await this.#sourceDown(err);
      return 'failed';
    }
  }

  /**
   * Checks a batch, publishes it and waits out the pause before the next poll. Returns the pace's
   * delay as it now stands: unchanged by a batch that is not taken (a stuck cursor, an operator's
   * pause), the next one's after a batch that is.
   */
  async #take(batch: SourceBatch<T>, pace: PollPace, delay: number): Promise<number> {
    // Unreadable changes count: a batch of nothing else still moves the cursor past them.
    const found = batch.records.length + (batch.rejected?.length ?? 0);
    // A page of changes whose cursor does not move would be read, and published, again and
    // again: nothing of it is published, and the runner pauses until the cursor moves.
    if (found > 0 && !this.#advances(batch.cursor)) {
      await this.#sourceDown(cursorStuck(found, this.#cursor, batch.cursor));
      return delay;
    }
    // A poll that answers ends every outage of the source's own (a quiet feed publishes nothing,
    // so waiting for a publish would keep it paused for good); a Kafka, registry or dead-letter
    // one ends only with a publish: the same batch's, read again from the stored cursor, or the
    // failed one's, found committed after all (see #publishOrPause).
    this.#clear(...SOURCE_OUTAGES);
    // An empty page that ends below the stored cursor: the feed went back (see cursor-behind.ts).
    if (found === 0) this.#behind.observe(this.#cursor, batch.cursor);
    this.#warnings.update([...(batch.warnings ?? []), ...this.#behind.warnings()]);
    // Paused by an operator while the poll was out: the batch is dropped, not published. The
    // cursor has not moved, so the first poll after resume() reads the same changes again.
    if (this.#operatorPaused) return delay;
    // Nothing to publish, but the cursor moved past changes the connector left out (not from a
    // ticket, another site's): stored, or the same page would be read on every poll for good.
    const leftOut = found === 0 && this.#advances(batch.cursor);
    // A source that cannot tell whether more is waiting is polled again at once after records.
    const outcome: PollOutcome = found === 0 && !leftOut ? 'empty' : (batch.more ?? true) ? 'more' : 'records';
    const next = nextPollDelay(pace, delay, outcome);
    if (outcome === 'empty') {
      // While the feed is behind, its cursor is written again now and then: an operator moving
      // it fences this runner, which an idle one would otherwise learn only at its next publish.
      const cursor = this.#cursor;
      if (cursor !== null && this.#behind.checkDue()) {
        if (!(await this.#publishOrPause({ records: [], cursor }, this.#lastPublishedAt))) return next;
      }
      await this.#pauseBetweenPolls(next);
      return next;
    }
    // Records carry the time on as the last published; left-out changes carry the old one on.
    if (!(await this.#publishOrPause(batch, found > 0 ? Date.now() : this.#lastPublishedAt))) return next;
    await this.#pauseBetweenPolls(next);
    return next;
  }

  /** Publishes the batch; false when that failed, the runner having paused (and reclaimed) for it. */
  async #publishOrPause(batch: SourceBatch<T>, recordsAt: number | null): Promise<boolean> {
    const began = Date.now();
    const from = this.#cursor;
    let encoded: EncodedBatch | null = null;
    try {
      encoded = await encodeBatch(this.#o, batch);
      await this.#hold.write(encoded, batch.cursor, recordsAt);
      this.#published(encoded, batch.cursor, recordsAt);
      return true;
    } catch (err) {
      if (isCloseloopError(err, 'CL_KAFKA_FENCED')) {
        await this.#standAside(err, Date.now() - began);
        return false;
      }
      const reason = publishOutage(err);
      // Loud once per outage; the pause gauge and readiness carry it while it lasts.
      const level = this.#outage === reason ? 'debug' : 'error';
      this.#raise(reason, err);
      this.#log[level]({ reason, error: messageOf(err) }, 'publishing failed; paused, reclaiming');
      await this.#reclaim();
      // A commit can go through and its answer be lost (a connection dropped during EndTxn): the
      // stored cursor the reclaim read is then the batch's end. That batch is never read again,
      // and an idle feed publishes nothing to end the pause, so both happen here. (A batch that
      // keeps the cursor cannot tell so: it waits for the next publish.)
      if (encoded === null || from === batch.cursor || this.#cursor !== batch.cursor) return false;
      this.#log.info({ cursor: batch.cursor }, 'the failed publish had committed: only its answer was lost');
      this.#published(encoded, batch.cursor, recordsAt);
      return true;
    }
  }

  /** A batch committed: the cursor is past it, and it counts, however the commit's answer went. */
  #published(encoded: EncodedBatch, cursor: string, recordsAt: number | null): void {
    this.#cursor = cursor;
    this.#lastPublishedAt = recordsAt;
    this.#tally.count(encoded);
    this.#clear();
  }

  /** Whether a batch's cursor lies past the stored one: changed at all, and later where the source can tell. */
  #advances(next: string): boolean {
    return next !== this.#cursor && (this.#o.source.cursorAdvances?.(this.#cursor, next) ?? true);
  }

  // Until Kafka answers again: the stored cursor then says where to poll from, so nothing is
  // published twice or skipped whatever became of the failed transaction.
  async #reclaim(firstWaitMs = this.#o.probeIntervalMs ?? 1_000): Promise<void> {
    let wait = firstWaitMs;
    while (!this.#isStopped()) {
      await this.#sleep(wait);
      wait = this.#o.probeIntervalMs ?? 1_000;
      if (this.#isStopped()) return;
      try {
        await this.#claim();
        return;
      } catch (err) {
        this.#log.warn({ err: err instanceof Error ? err.message : String(err) }, 'Kafka not back yet');
      }
    }
  }

  // Another worker took the transactional id: it runs this connector with this cursor (a rolling
  // deploy's overlap, or one started twice). Claiming it back at once would fence that one in
  // turn, and the two would take it from each other every second, each publish failing half way;
  // so this one stands aside, paused and saying so, then claims it back. If the other is gone, the
  // feed moves on; if not, they take turns, and each one fenced says so again. The broker fences
  // alike a producer whose transaction outlived its timeout (a publish held up that long): no
  // other worker then, so the message names both and how long the publish took, and claiming the
  // id back after the wait is right in both cases.
  async #standAside(err: unknown, publishMs: number): Promise<void> {
    const waitMs = this.#o.fencedRetryMs ?? 30_000;
    const { transactionalId } = this.#hold;
    this.#raise('fenced', err, fencedDetail(transactionalId, publishMs, waitMs));
    this.#o.metrics?.sourceFenced.inc({ connector: this.#o.connector });
    this.#log.error(
      { transactionalId, retryInMs: waitMs, publishMs },
      'fenced: another worker publishes this source with its transactional id, or its transaction outlived the transaction timeout (see publishMs); standing aside, then claiming it back',
    );
    await this.#reclaim(waitMs);
    // The id is this runner's again (unless it stopped): the other instance is the one fenced now.
    if (!this.#isStopped()) this.#clear('fenced');
  }

  // A poll the system refused for good is no one record's fault either: it pauses the same way.
  // One unreadable change never gets here (the source hands it over as a RejectedRecord); a page
  // that is not what the system promises does, and the log and status() quote why, since "paused:
  // unavailable" alone does not tell an operator whether to call the vendor or fix a setting.
  async #sourceDown(err: unknown): Promise<void> {
    const code = isCloseloopError(err) ? err.code : 'unknown';
    const { reason, detail, log } = sourceOutage(err);
    if (this.#outage !== reason) this.#log.error({ code, reason, detail, error: messageOf(err) }, log);
    this.#raise(reason, err, detail);
    if (detail !== null) this.#pauses.describe(reason, detail);
    await probeUntilUp({
      health: () => this.#o.source.health(),
      intervalMs: this.#o.probeIntervalMs ?? 1_000,
      retryAfterMs: retryAfterOf(err),
      signal: this.#stopping.signal,
      sleep: (ms) => this.#sleep(ms),
      onRetryAfter: (ms) => this.#pauses.describe(reason, retryAfterDetail(null, ms, Date.now())),
    });
  }
}
