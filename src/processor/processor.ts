import type { CloseloopConfig } from '../config/index.ts';
import {
  decide,
  breachesFlagged,
  decideTimers,
  isExpired,
  type BreachFlagged,
  type Decision,
  type InboundEvent,
  type TicketState,
} from '../domain/index.ts';
import { CloseloopError, isCloseloopError, messageOf } from '../errors/index.ts';
import type {
  AvroSerde,
  MessageConsumer,
  Messaging,
  MessagingAdmin,
  RecordBatch,
  TopicPartitions,
} from '../messaging/index.ts';
import { deadLetter, deadLetterTopic } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { toInbound } from './codec.ts';
import { Outbox } from './outbox.ts';
import { provisionTopics, registerSchemas } from './provision.ts';
import { countStuck } from './stuck-gauge.ts';
import { Task, newCommitLog } from './task.ts';
import { restorePartitions } from './restore.ts';
import { inputRoutes, place, type InputRoute } from './repartition.ts';
import { RECORD_NAMES } from '../topics/index.ts';

export interface ProcessorOptions {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  readonly schemasDir: string;
  readonly clock?: () => number;
  /** Fault injection for crash tests: SIGKILL this process at the n-th commit, the ones before it done. */
  readonly killBeforeCommit?: number;
  /** Fault injection: report the n-th commit as failed after it succeeded (a lost EndTxn reply). */
  readonly failAfterCommit?: number;
  readonly metrics?: Metrics;
}

/**
 * Consumes CRM, department and link events (and CRM and department events that another
 * producer's partitioner put on the wrong partition, once forwarded to their repartition
 * topics: see repartition.ts), runs decide() per ticket, and writes statuses,
 * commands, links, quarantine records, changelog records and the input offsets in one Kafka
 * transaction per batch. Partition p of every topic forms task p, with its own transactional
 * producer, so a task moving to another instance fences the old one.
 */
export class LifecycleProcessor {
  readonly #o: ProcessorOptions;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #tasks = new Map<number, Task>();
  readonly #inputs: Map<string, InputRoute>;
  #admin: MessagingAdmin | null = null;
  #consumer: MessageConsumer | null = null;
  #timers: NodeJS.Timeout[] = [];
  readonly #commits = newCommitLog();
  #restoring: Promise<void> = Promise.resolve();
  #assignmentWaiters: ((partitions: number[]) => void)[] = [];
  #assigned = false;

  constructor(options: ProcessorOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'lifecycle-processor' });
    this.#clock = options.clock ?? Date.now;
    this.#inputs = inputRoutes(options.config);
  }

  /** Resolves with the owned partitions once the next (re)assignment has been restored. */
  nextAssignment(): Promise<number[]> {
    return new Promise((resolve) => this.#assignmentWaiters.push(resolve));
  }

  /** Started, and the first assignment's state is restored. */
  isReady(): boolean {
    return this.#assigned && this.#consumer !== null;
  }

  /** Tickets held in memory, per owned partition. */
  ticketsInState(): Map<number, number> {
    return new Map([...this.#tasks].map(([p, t]) => [p, t.store.size]));
  }

  async start(): Promise<void> {
    const { config, messaging } = this.#o;
    this.#admin = messaging.admin();
    await this.#admin.connect();
    await provisionTopics(this.#admin, config);
    await registerSchemas(this.#o.serde, config, this.#o.schemasDir);
    const consumer = messaging.consumer({
      groupId: config.processor.groupId,
      coPartitioned: true,
      sessionTimeoutMs: config.processor.sessionTimeoutMs,
      // Tasks are independent, and each one's batches are chained, so partitions can overlap:
      // transaction round trips then wait side by side instead of one after another.
      partitionsConcurrently: config.processor.partitions,
    });
    this.#consumer = consumer;
    await consumer.connect();
    await consumer.subscribe([...this.#inputs.keys()], { fromBeginning: true });
    await consumer.run({
      onAssignment: (assigned) => this.#onAssignment(assigned),
      eachBatch: (batch) => this.#onBatch(batch),
    });
    this.#timers = [
      setInterval(() => void this.expireNow(), config.processor.expiryIntervalMs),
      setInterval(() => void this.checkTimersNow(), config.processor.slaCheckIntervalMs),
    ];
    for (const t of this.#timers) t.unref();
    this.#log.info({ groupId: config.processor.groupId }, 'lifecycle processor started');
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    await this.#consumer?.disconnect();
    this.#consumer = null;
    await Promise.all([...this.#tasks.values()].map((t) => t.chain));
    await Promise.all([...this.#tasks.values()].map((t) => t.disconnect()));
    this.#tasks.clear();
    await this.#admin?.disconnect();
    this.#log.info('lifecycle processor stopped');
  }

  // Eager rebalancing revokes everything at each join, and a partition kept across two joins may
  // have been processed elsewhere in between; so memory is never trusted across joins.
  async #onAssignment(assigned: readonly TopicPartitions[]): Promise<void> {
    const run = async () => {
      const old = [...this.#tasks.values()];
      for (const t of old) t.retired = true;
      this.#tasks.clear();
      await Promise.all(old.map((t) => t.chain.catch(() => undefined)));
      await Promise.all(old.map((t) => t.disconnect().catch(() => undefined)));
      const partitions = [...new Set(assigned.flatMap((a) => a.partitions))].sort((a, b) => a - b);
      const { messaging, serde, config } = this.#o;
      if (!this.#admin) return;
      // Fence first: once each task's transactional id is ours, the previous owner can commit
      // nothing more, so the changelog read next is complete.
      const admin = this.#admin;
      const context = {
        config,
        messaging,
        serde,
        admin,
        log: this.#log,
        commits: this.#commits,
        killBeforeCommit: this.#o.killBeforeCommit,
        failAfterCommit: this.#o.failAfterCommit,
      };
      const tasks = partitions.map((p) => new Task(p, context));
      await Promise.all(tasks.map(async (t) => (await t.producer()).fence()));
      const restored = await restorePartitions(messaging, admin, serde, config.topics.state, partitions);
      for (const t of tasks) {
        for (const [id, s] of restored.stores.get(t.partition) ?? []) t.store.set(id, s);
        this.#tasks.set(t.partition, t);
      }
      const tickets = tasks.reduce((n, t) => n + t.store.size, 0);
      this.#log.info(
        { partitions, assigned, tickets, changelogRecords: restored.records, restoreMs: restored.ms },
        'partitions assigned; state restored',
      );
      this.#assigned = true;
      const waiters = this.#assignmentWaiters;
      this.#assignmentWaiters = [];
      for (const w of waiters) w(partitions);
    };
    this.#restoring = this.#restoring.then(run, run);
    await this.#restoring;
  }

  async #onBatch(batch: RecordBatch): Promise<void> {
    const task = this.#tasks.get(batch.partition);
    // Returning would let the consumer move past these records; failing makes it fetch them again.
    if (!task)
      throw new CloseloopError(
        'CL_KAFKA_TRANSIENT',
        `batch for partition ${batch.partition}, which this instance does not own`,
      );
    const work = task.chain.then(() => this.#process(task, batch));
    task.chain = work.catch(() => undefined);
    await work;
  }

  async #process(task: Task, batch: RecordBatch): Promise<void> {
    if (batch.records.length === 0) return;
    const route = this.#inputs.get(batch.topic);
    if (!route) return;
    await task.refreshIfStale();
    const { config, serde } = this.#o;
    const pending = new Map<string, TicketState | null>();
    // Counted only once the transaction commits, so a retried batch is not counted twice.
    const counted: {
      dead: string[];
      violations: { kind: string; department: string | null }[];
      statuses: number;
      breaches: BreachFlagged[];
      forwarded: number;
    } = {
      dead: [],
      violations: [],
      statuses: 0,
      breaches: [],
      forwarded: 0,
    };
    const out = new Outbox(config, serde);

    for (const record of batch.records) {
      // Forwarded records commit with this batch's offsets, so each is forwarded exactly once.
      const placed = place(record, route, config.processor.partitions);
      if (placed.kind === 'forward') {
        out.emit(placed.topic, placed.record);
        counted.forwarded += 1;
        continue;
      }
      let event: InboundEvent;
      try {
        if (placed.kind === 'unkeyed') throw placed.error;
        const decoded = await serde.decodeAs(record.value, RECORD_NAMES[route.input]);
        event = toInbound(route.input, record.key?.toString('utf8') ?? null, decoded.value);
      } catch (err) {
        if (!isCloseloopError(err) || err.retriable) throw err;
        this.#log.warn(
          {
            ticketId: record.key?.toString('utf8'),
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            code: err.code,
          },
          'dead-lettered',
        );
        out.emit(deadLetterTopic(record.topic), deadLetter(record, err, 'lifecycle-processor', this.#clock()));
        counted.dead.push(err.code);
        continue;
      }
      const id = event.event.ticketId;
      const prev = pending.has(id) ? (pending.get(id) ?? null) : (task.store.get(id) ?? null);
      let d: Decision;
      try {
        d = decide(prev, event, { policy: config.policy, now: this.#clock() });
      } catch (err) {
        // decide() returns bad data as violations; a throw is a bug, and must not stall the partition.
        const error = new CloseloopError('CL_DECIDE_FAILED', `decide() threw: ${messageOf(err)}`, { cause: err });
        this.#log.error(
          {
            ticketId: id,
            correlationId: event.event.envelope.correlationId ?? event.event.envelope.eventId,
            topic: record.topic,
            offset: record.offset,
            err: error.message,
          },
          'dead-lettered',
        );
        out.emit(deadLetterTopic(record.topic), deadLetter(record, error, 'lifecycle-processor', this.#clock()));
        counted.dead.push(error.code);
        continue;
      }
      if (d.stateChanged || (prev !== null && d.state === null)) pending.set(id, d.state);
      await out.decision(id, prev, d, task.partition);
      this.#log.debug(
        {
          ticketId: id,
          correlationId: event.event.envelope.correlationId ?? event.event.envelope.eventId,
          eventId: event.event.envelope.eventId,
          versions: d.statuses.map((x) => x.version),
          commands: d.commands.map((c) => c.kind),
          violations: d.violations.map((v) => v.kind),
        },
        'decided',
      );
      counted.statuses += d.statuses.length;
      counted.breaches.push(...breachesFlagged(prev, d.state));
      counted.violations.push(...d.violations.map((v) => ({ kind: v.kind, department: v.department })));
    }
    const last = batch.records[batch.records.length - 1];
    if (!last) return;
    await task.commit(out.records, [
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
    ]);
    for (const [id, s] of pending) {
      if (s) task.store.set(id, s);
      else task.store.delete(id);
    }
    const m = this.#o.metrics;
    if (m) {
      m.recordsProcessed.inc({ topic: batch.topic }, batch.records.length);
      for (const code of counted.dead) m.deadLetters.inc({ topic: batch.topic, code });
      if (counted.forwarded > 0) m.repartitioned.inc({ topic: batch.topic }, counted.forwarded);
      m.statusChanges.inc(counted.statuses);
      for (const a of out.alerts) m.alerts.inc({ reason: a.reason, status: a.status });
      for (const b of counted.breaches) m.slaBreaches.inc(b);
      for (const v of counted.violations) {
        m.quarantined.inc({ kind: v.kind });
        if (v.kind === 'PREMATURE_CLOSE') m.prematureClosesBlocked.inc({ department: v.department ?? 'unknown' });
      }
    }
  }

  /** Tombstones closed tickets past the retention window. Runs on a timer; callable for tests. */
  async expireNow(): Promise<number> {
    const { retentionMs } = this.#o.config.policy;
    return this.#sweep('expiry', async (task, now, out) => {
      const ids = [...task.store].filter(([, s]) => isExpired(s, now, retentionMs)).map(([id]) => id);
      for (const id of ids) out.emit(this.#o.config.topics.state, { key: id, value: null, partition: task.partition });
      return new Map(ids.map((id) => [id, null]));
    });
  }

  /**
   * The timer sweep of tickets no event has touched since: SLA targets that fell due (a new
   * status), and the stuck-ticket sentinel (alerts raised and cleared). Runs on a timer; callable
   * for tests. Returns the number of tickets that changed.
   */
  async checkTimersNow(): Promise<number> {
    const { policy } = this.#o.config;
    if (!policy.sla && !policy.sentinel) return 0;
    const changedCount = await this.#sweep('timer sweep', async (task, now, out) => {
      const changed = new Map<string, TicketState | null>();
      for (const [id, s] of task.store) {
        const d = decideTimers(s, { policy, now });
        if (!d.stateChanged) continue;
        changed.set(id, d.state);
        await out.decision(id, s, d, task.partition);
      }
      return changed;
    });
    this.#countStuck();
    return changedCount;
  }

  /** closeloop_stuck_tickets{reason,department}: the alerts open in the owned tickets now. */
  #countStuck(): void {
    const gauge = this.#o.metrics?.stuckTickets;
    if (gauge)
      countStuck(
        [...this.#tasks.values()].map((t) => t.store.values()),
        gauge,
      );
  }

  /**
   * Runs `collect` on every owned task in turn, in its chain so it never interleaves with a
   * batch, and commits what it wrote in one transaction per task (no input offsets). The
   * in-memory store follows only after the commit.
   */
  async #sweep(
    what: string,
    collect: (task: Task, now: number, out: Outbox) => Promise<Map<string, TicketState | null>>,
  ): Promise<number> {
    let changed = 0;
    for (const task of [...this.#tasks.values()]) {
      const work = task.chain.then(async () => {
        if (task.retired) return;
        await task.refreshIfStale();
        const out = new Outbox(this.#o.config, this.#o.serde);
        const updates = await collect(task, this.#clock(), out);
        if (updates.size === 0) return;
        await task.commit(out.records, []);
        for (const [id, s] of updates) {
          for (const b of breachesFlagged(task.store.get(id) ?? null, s)) this.#o.metrics?.slaBreaches.inc(b);
          if (s) task.store.set(id, s);
          else task.store.delete(id);
        }
        changed += updates.size;
        for (const a of out.alerts) this.#o.metrics?.alerts.inc({ reason: a.reason, status: a.status });
        this.#o.metrics?.statusChanges.inc(out.records.get(this.#o.config.topics.status)?.length ?? 0);
      });
      task.chain = work.catch((err: unknown) => this.#log.error({ err }, `${what} failed`));
      await task.chain;
    }
    return changed;
  }
}
