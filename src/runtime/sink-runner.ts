import { DEFAULT_RETRY, isCloseloopError, retryAfterOf, sleep, withRetry } from '../errors/index.ts';
import type { IncomingRecord, MessageConsumer, MessageProducer, RecordBatch } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { isImportedRecord } from '../domain/import.ts';
import { BatchLanes } from './batch-lanes.ts';
import { runByKey, type KeyLane } from './by-key.ts';
import { DeliveryBounds, DOWN_CYCLE_PROBES } from './delivery-bounds.ts';
import { DeliveryAlerts, isTicketStatus } from './exhausted.ts';
import { outageDetail, PauseSet, REFUSED_WHILE_DOWN_LOG, registryOutage, SINK_OUTAGE_LOG } from './pause.ts';
import { notAcceptedFields } from './not-accepted.ts';
import { Receipts } from './receipts.ts';
import { SinkWaits, stoppedError } from './sink-waits.ts';
import type { SinkRunnerOptions, SinkRunnerStatus } from './sink-runner-options.ts';

export type { SinkRunnerOptions, SinkRunnerStatus } from './sink-runner-options.ts';

/**
 * Feeds one topic to a sink, in order per partition. A data error dead-letters the record and
 * goes on, unless the sink's health probe fails as it is refused: then the refusal is the outage's
 * (a web tier answering 404 while the system restarts) and is waited out as one. An outage keeps
 * the record in hand and pauses: retriable failures past the retry
 * budget (reason `unavailable`), refused credentials (`credentials`) and a misdirected API
 * (`endpoint`: a redirect, a 4xx to a collection query) until the sink's health probe passes,
 * an unreachable registry (`registry`) until the record decodes, and a failed dead-letter write
 * (`dead-letter`) until the write succeeds. So an outage never reaches the dead-letter topic,
 * never reorders a ticket's updates and never makes the consumer fetch and deliver again what it
 * already delivered. Two bounds, whose interaction DeliveryBounds decides, end a record's
 * trouble: past `breakAfterSameStatus` tickets dead-lettered in a row with one HTTP status the
 * next ticket's record is held (`breaker`) until an operator resumes; a record still failing
 * after maxDeliveryCycles pauses that each ended with the system healthy is dead-lettered
 * (CL_DELIVERY_EXHAUSTED, with an alert), so it never stalls its partition. Offsets are
 * committed only for records delivered or dead-lettered (at least once; sinks are idempotent).
 */
export class SinkRunner<T> {
  readonly #o: SinkRunnerOptions<T>;
  readonly #log: Logger;
  #consumer: MessageConsumer | null = null;
  #producer: MessageProducer | null = null;
  #state: 'stopped' | 'running' = 'stopped';
  readonly #pauses = new PauseSet();
  #operatorPaused = false;
  #delivered = 0;
  #deadLettered = 0;
  #retries = 0;
  #passedOver = 0;
  #notAccepted = 0;
  readonly #waits: SinkWaits;
  readonly #lanes: BatchLanes;
  readonly #alerts: DeliveryAlerts;
  readonly #bounds: DeliveryBounds;
  /** Aborted by stop(): every wait of the record in hand ends, and so does its call if the sink takes the signal. */
  #stopping = new AbortController();

  constructor(options: SinkRunnerOptions<T>) {
    this.#o = options;
    this.#bounds = new DeliveryBounds(options);
    this.#lanes = new BatchLanes(options.maxInFlight ?? 1);
    this.#log = options.logger.child({ connector: options.connector, topic: options.topic });
    this.#waits = new SinkWaits({
      pauses: this.#pauses,
      log: this.#log,
      probeIntervalMs: options.probeIntervalMs ?? 1_000,
      signal: () => this.#stopping.signal,
      health: () => options.sink.health(),
    });
    this.#alerts = new DeliveryAlerts({
      connector: options.connector,
      logger: this.#log,
      messaging: options.messaging,
      serde: options.serde,
      ...(options.alertsRefreshMs === undefined ? {} : { refreshMs: options.alertsRefreshMs }),
      ...(options.alerts ? { settings: options.alerts } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
  }

  status(): SinkRunnerStatus {
    const pausedBy = this.#pauses.reason;
    return {
      state: this.#state === 'running' && pausedBy !== null ? 'paused' : this.#state,
      pausedBy,
      pauses: this.#pauses.reasons(),
      pauseDetail: this.#pauses.detail(pausedBy),
      consumer: this.#consumer?.health() ?? null,
      delivered: this.#delivered,
      deadLettered: this.#deadLettered,
      retries: this.#retries,
      passedOver: this.#passedOver,
      notAccepted: this.#notAccepted,
      exhausted: this.#alerts.open(),
    };
  }

  async start(): Promise<void> {
    const { messaging, topic, groupId } = this.#o;
    this.#producer = messaging.producer();
    // Reads the open alerts back before anything connects: a topic that cannot be read fails the start.
    await this.#alerts.start(this.#producer);
    await this.#producer.connect();
    this.#consumer = messaging.consumer({
      groupId,
      partitionsConcurrently: this.#o.partitionsConcurrently ?? 1,
      batchesPerPartition: this.#o.batchesPerPartition ?? DEFAULT_BATCHES_PER_PARTITION,
      ...(this.#o.failingAfterMs === undefined ? {} : { failingAfterMs: this.#o.failingAfterMs }),
    });
    await this.#consumer.connect();
    await this.#consumer.subscribe([topic], { fromBeginning: true });
    this.#stopping = new AbortController();
    this.#state = 'running';
    await this.#consumer.run({
      eachBatch: (batch) => this.#batch(batch),
      // The alerts other workers raised for these partitions' records are known before any is delivered.
      onAssignment: () => this.#alerts.refresh(),
      // Logged by the consumer and kept in its health (status().consumer), where the worker's SkippedWatch raises the alert.
      onSkipped: (s) =>
        this.#o.metrics?.recordsSkipped.inc({ consumer: `${this.#o.connector}-sink`, topic: s.topic }, s.count ?? 0),
    });
  }

  /**
   * Ends at once whatever the record in hand waits on (a retry, a pause's probe, a breaker's
   * hold, the sink's own call when it takes the signal): that record is neither delivered nor
   * dead-lettered nor committed, so the partition's next owner delivers it. The disconnect waits
   * for the batches in hand to commit what they completed.
   */
  async stop(): Promise<void> {
    this.#state = 'stopped';
    this.#stopping.abort(stoppedError('delivering'));
    await this.#consumer?.disconnect();
    await this.#alerts.stop();
    await this.#producer?.disconnect();
    await this.#o.sink.stop?.();
  }

  // A method, so the compiler does not narrow #state across awaits that stop() may interleave with.
  #isStopped(): boolean {
    return this.#state === 'stopped';
  }

  /** Reads the DELIVERY_EXHAUSTED alerts on the alerts topic again now (the runner does every 30 s). */
  refreshAlerts(): Promise<void> {
    return this.#alerts.refresh();
  }

  /** Operator pause: finishes the record in hand, then delivers nothing until resume(). */
  /** An operator's pause; false when it was paused so already. */
  pause(): boolean {
    if (this.#operatorPaused) return false;
    this.#pauses.enter('operator');
    this.#operatorPaused = true;
    return true;
  }

  /** Also lets the breaker go: the record it holds is tried again, and the count starts over. */
  resume(): boolean {
    const was = this.#operatorPaused || this.#pauses.reasons().includes('breaker');
    if (this.#operatorPaused) this.#pauses.leave('operator');
    this.#operatorPaused = false;
    this.#bounds.release(this.#pauses, this.#log);
    return was;
  }

  /**
   * One batch of a partition, while newer batches of it may already be delivering (see
   * BatchLanes): receipts, then offsets, for the records done from the start.
   */
  async #batch(batch: RecordBatch): Promise<void> {
    const { receiptsTopic, connector } = this.#o;
    const receipts = receiptsTopic ? new Receipts(connector, receiptsTopic) : null;
    const fetched = performance.now();
    const metrics = this.#o.metrics;
    const labels = { connector };
    const deliver = (lane: KeyLane) =>
      runByKey(
        batch.records,
        (r) => r.key?.toString('utf8') ?? '',
        lane,
        async (record) => {
          // Stopping leaves the rest for the next owner of the partition.
          if (this.#isStopped()) throw stoppedError('before delivering');
          await this.#waitWhileHeld();
          metrics?.sinkWaitSeconds.observe(labels, (performance.now() - fetched) / 1e3);
          await this.#handle(record, receipts);
        },
        metrics ? { onSlotWait: (ms) => metrics.sinkSlotWaitSeconds.observe(labels, ms / 1e3) } : {},
      );
    const commit = async (donePrefix: number) => {
      // Before the offsets: a receipt lost with a crash comes again with the redelivered record.
      if (receipts) await this.#flushReceipts(receipts);
      const last = batch.records[donePrefix - 1];
      if (last && this.#consumer) {
        const next = (BigInt(last.offset) + 1n).toString();
        await this.#consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
      }
    };
    await this.#lanes.run(batch, deliver, commit).catch((err: unknown) => {
      if (!this.#isStopped()) throw err;
    });
  }

  /**
   * Writes a batch's receipts. A registry out of reach (the receipts' schema is fetched with the
   * first one) holds the batch, paused on `registry`, until they encode: failing the batch would
   * have the consumer fetch it again and deliver its records to the system anew at every fetch
   * while the registry stalls. Anything else fails the batch, as before.
   */
  async #flushReceipts(receipts: Receipts): Promise<void> {
    let failed: unknown = null;
    const flushed = () =>
      receipts.flush(this.#producer, this.#o.serde).then(
        () => true,
        (err: unknown) => {
          if (!registryOutage(err)) throw err;
          failed = err;
          return false;
        },
      );
    if (await flushed()) return;
    const code = isCloseloopError(failed) ? failed.code : 'unknown';
    this.#log.error({ code }, 'cannot encode delivery receipts; pausing');
    await this.#waits.until('registry', flushed);
  }

  async #handle(record: IncomingRecord, receipts: Receipts | null): Promise<void> {
    const decoded = await this.#decode(record);
    if (decoded === null) return;
    const { value } = decoded;
    // Every sink, not each connector, passes history over: a connector written without knowing
    // of imports must not write a city's past back into the CRM or a department system.
    if (isImportedRecord(value)) {
      this.#passedOver += 1;
      this.#o.metrics?.importedPassedOver.inc({ connector: this.#o.connector });
      return;
    }
    // Sinks share their topic (every department system's commands are on one), so a record for
    // another connector is normal; the config check and the processor's NO_CONNECTOR make sure
    // some sink takes each one. Counted and logged all the same, so none goes without a trace.
    if (this.#o.sink.accepts && !this.#o.sink.accepts(value)) {
      this.#notAccepted += 1;
      this.#o.metrics?.notAccepted.inc({ connector: this.#o.connector });
      this.#log.debug(notAcceptedFields(record, value), 'not for this sink; passed over');
      return;
    }
    const started = process.hrtime.bigint();
    const ticketId = record.key?.toString('utf8') ?? '';
    // Cycles end only when health passes (or, for a refusal met while it says down, after a bounded
    // wait), so a record that fails through them all is this record's trouble, and holding it
    // would stall its partition.
    let cycles = 0;
    const signal = this.#stopping.signal;
    for (;;) {
      try {
        await withRetry(
          async () => {
            try {
              await this.#o.sink.deliver(value, signal);
            } catch (err) {
              // A call the stop cut short is no failure of the system's.
              if (isCloseloopError(err) && err.retriable && !signal.aborted) this.#retries += 1;
              throw err;
            }
          },
          this.#o.retry ?? DEFAULT_RETRY,
          { signal },
        );
        this.#delivered += 1;
        this.#bounds.breaker.delivered();
        receipts?.add(record, value, 'DELIVERED');
        this.#o.metrics?.deliverySeconds.observe(
          { connector: this.#o.connector },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
        await this.#alerts.delivered(ticketId, value);
        return;
      } catch (err) {
        // Whatever failed, a stop is no verdict on the record: no dead letter, no alert, no pause.
        if (signal.aborted) throw stoppedError('delivering');
        const down = await this.#bounds.refusedWhileDown(err, () => this.#o.sink.health(), signal);
        const verdict = this.#bounds.judge(err, cycles, record.key === null ? null : ticketId, down !== null);
        // A hold is no pause cycle: the record is tried again after resume() with its count as it was.
        if (verdict.act === 'hold') {
          await this.#bounds.hold(this.#pauses, this.#log, this.#o.connector, () => this.#waitWhileHeld());
          continue;
        }
        if (verdict.act === 'dead-letter') {
          await this.#deadLetter(record, verdict.error);
          receipts?.add(record, value, 'DEAD_LETTERED');
          // A status the system refused is one the CRM does not show: alerted like one given up on.
          if (verdict.alert || isTicketStatus(value)) {
            const exhausted = isCloseloopError(verdict.error, 'CL_DELIVERY_EXHAUSTED');
            await this.#alerts.raise(ticketId, value, cycles, err, exhausted);
          }
          return;
        }
        const { reason } = verdict;
        const detail = down ?? outageDetail(err);
        // The code, status and origin only: a message could echo what the system was sent.
        this.#log.error(
          { code: isCloseloopError(err) ? err.code : 'unknown', reason, detail, offset: record.offset },
          down === null ? SINK_OUTAGE_LOG[reason] : REFUSED_WHILE_DOWN_LOG,
        );
        // A refusal is believed down for a bounded wait only (see DeliveryBounds), counted as a cycle.
        await this.#waits.healthy(reason, detail, retryAfterOf(err), down === null ? null : DOWN_CYCLE_PROBES);
        cycles += 1;
      }
    }
  }

  // A registry outage keeps the record: retried when the registry answers, not dead-lettered.
  async #decode(record: IncomingRecord): Promise<{ value: T } | null> {
    const { serde, recordName } = this.#o;
    const decode = async () => ({
      value: (
        await (recordName
          ? serde.decodeAs<T>(record.value, recordName, record.headers)
          : serde.decode<T>(record.value, undefined, record.headers))
      ).value,
    });
    const unavailable = (err: unknown) => isCloseloopError(err) && err.retriable;
    for (;;) {
      try {
        return await decode();
      } catch (err) {
        if (!unavailable(err)) {
          await this.#deadLetter(record, err);
          return null;
        }
        this.#log.error(
          { code: isCloseloopError(err) ? err.code : 'unknown', offset: record.offset },
          'cannot decode; pausing',
        );
        await this.#waits.until('registry', () =>
          decode().then(
            () => true,
            (e: unknown) => !unavailable(e),
          ),
        );
      }
    }
  }

  async #deadLetter(record: IncomingRecord, err: unknown): Promise<void> {
    const error = await this.#waits.deadLetter(this.#producer, this.#o.connector, record, err);
    this.#deadLettered += 1;
    this.#o.metrics?.deadLetters.inc({ topic: record.topic, code: error.code });
  }

  // Stopping ends the wait with an error: the record in hand is left for the partition's next owner.
  async #waitWhileHeld(): Promise<void> {
    while (this.#operatorPaused || this.#bounds.breaker.tripped !== null) {
      if (this.#isStopped()) throw stoppedError('held');
      await sleep(200, this.#stopping.signal);
    }
  }
}

const DEFAULT_BATCHES_PER_PARTITION = 4;
