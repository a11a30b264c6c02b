import { CloseloopError, isCloseloopError, releaseAll } from '../errors/index.ts';
import {
  type ConsumerHealth,
  type GroupMembership,
  type HealthTracker,
  type MessageConsumer,
  type MessagingAdmin,
  type RecordBatch,
  type TopicPartitions,
  withTrouble,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { knowVocabulary } from './compact-state.ts';
import { logAssigned, releaseTasks, retireTasks, TaskSuccession } from './assignment.ts';
import { InputPauses } from './input-pauses.ts';
import { PartitionWatch } from './partition-watch.ts';
import { placeStates } from './place-states.ts';
import { provisionTopics, registerSchemas } from './provision.ts';
import { inputRoutes, type InputRoute } from './repartition.ts';
import { offsetsAfter } from './stages/account.ts';
import { emitStates } from './stages/emit.ts';
import { decidePass, type PassContext } from './stages/pass.ts';
import { tallyStuck, type StuckTickets } from './stuck-tickets.ts';
import type { ProcessorOptions } from './processor-options.ts';
import { checkTimers, expire, sweepHealth, type SweepContext } from './sweep.ts';
import { newCommitLog, type Task } from './task.ts';
import { TimeSlice } from './time-slice.ts';

export type { ProcessorOptions } from './processor-options.ts';

/**
 * Consumes CRM, department and link events (and CRM and department events that another
 * producer's partitioner put on the wrong partition, once forwarded to their repartition
 * topics: see repartition.ts), runs decide() per ticket, and writes statuses,
 * commands, links, quarantine records, changelog records and the input offsets in one Kafka
 * transaction per turn of a task (the batches that waited for it together). Partition p of every
 * topic forms task p, with its own transactional producer, so a task moving to another instance
 * fences the old one.
 */
export class LifecycleProcessor {
  readonly #o: ProcessorOptions;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #tasks = new Map<number, Task>();
  readonly #succession = new TaskSuccession();
  readonly #inputs: Map<string, InputRoute>;
  #admin: MessagingAdmin | null = null;
  #consumer: MessageConsumer | null = null;
  /** Its consumer's health as it stopped (see stop). */
  #stoppedHealth: ConsumerHealth | null = null;
  #timers: NodeJS.Timeout[] = [];
  readonly #commits = newCommitLog();
  /** Long turns let the event loop run now and then (heartbeats, sweeps, other tasks' answers). */
  readonly #slice = new TimeSlice();
  /** What each turn's decode → decide → emit pass reads (see stages/pass.ts). */
  readonly #pass: PassContext;
  #restoring: Promise<void> = Promise.resolve();
  #assignmentWaiters: ((partitions: number[]) => void)[] = [];
  #assigned = false;
  /**
   * The tasks' own trouble: their timer sweeps' failures (see sweep.ts), and partitions refused
   * at the assignment (their changelog lost); renewed at each assignment.
   */
  #sweeps: HealthTracker;
  #stuck: StuckTickets | null = null;
  /** Partitions refused at the assignment, paused on every input (see changelog-guard.ts). */
  #refused = new Map<number, CloseloopError>();
  /** The co-partitioned topics' partition counts while running (see checkPartitionsNow). */
  #watch: PartitionWatch | null = null;
  /** What the refusals and the watch's hold pause, together (see InputPauses). */
  #pauses: InputPauses | null = null;

  constructor(options: ProcessorOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'lifecycle-processor' });
    this.#clock = options.clock ?? Date.now;
    this.#sweeps = sweepHealth(this.#o.config, this.#clock);
    this.#inputs = inputRoutes(options.config);
    this.#pass = {
      config: options.config,
      serde: options.serde,
      clock: this.#clock,
      log: this.#log,
      slice: this.#slice,
    };
    knowVocabulary(options.config.policy);
  }

  /** Resolves with the owned partitions once the next (re)assignment has been restored. */
  nextAssignment(): Promise<number[]> {
    return new Promise((resolve) => this.#assignmentWaiters.push(resolve));
  }

  /** Started, and the first assignment's state is restored. */
  isReady(): boolean {
    return this.#assigned && this.#consumer !== null;
  }

  /**
   * Its consumer's health: failing when joining, restoring or committing keeps failing, when
   * a timer sweep keeps failing for a task it owns, or (at once) while a co-partitioned topic's
   * partition count differs from processor.partitions.
   */
  consumerHealth(): ConsumerHealth | null {
    const consumer = this.#consumer?.health() ?? this.#stoppedHealth;
    return consumer && withTrouble(consumer, [this.#sweeps.health(), this.#watch?.health() ?? null]);
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
    await registerSchemas(this.#o.serde, config, this.#o.schemasDir, { log: this.#log });
    if (this.#o.placeStates !== false)
      await placeStates({
        config,
        messaging,
        admin: this.#admin,
        serde: this.#o.serde,
        log: this.#log,
        metrics: this.#o.metrics,
      });
    const consumer = messaging.consumer({
      groupId: config.processor.groupId,
      coPartitioned: true,
      sessionTimeoutMs: config.processor.sessionTimeoutMs,
      // Tasks are independent, and each one's batches are chained, so partitions can overlap:
      // transaction round trips then wait side by side instead of one after another. Every input
      // partition may be in hand at once, so that a task's inputs can share its next transaction
      // (see Task.enqueue) instead of holding the slots other tasks' batches wait for.
      partitionsConcurrently: config.processor.partitions * this.#inputs.size,
      failingAfterMs: config.processor.consumerFailingAfterMs,
    });
    this.#consumer = consumer;
    this.#stoppedHealth = null;
    const inputs = [...this.#inputs.keys()];
    const { metrics } = this.#o;
    this.#pauses = new InputPauses(consumer, inputs);
    this.#watch = new PartitionWatch({
      admin: this.#admin,
      pauses: this.#pauses,
      config,
      log: this.#log,
      metrics,
      clock: this.#clock,
    });
    await consumer.connect();
    await consumer.subscribe(inputs, { fromBeginning: true });
    await this.#o.beforeJoin?.();
    await consumer.run({
      onAssignment: (assigned, membership) => this.#onAssignment(assigned, membership),
      eachBatch: (batch) => this.#onBatch(batch),
      // Logged by the consumer and kept in its health, where ProcessorHost's SkippedWatch raises the alert.
      onSkipped: (s) => this.#o.metrics?.recordsSkipped.inc({ consumer: 'processor', topic: s.topic }, s.count ?? 0),
    });
    this.#timers = [
      setInterval(() => void this.expireNow(), config.processor.expiryIntervalMs),
      setInterval(() => void this.checkTimersNow(), config.processor.slaCheckIntervalMs),
      setInterval(() => void this.checkPartitionsNow(), config.processor.partitionCheckIntervalMs),
    ];
    for (const t of this.#timers) t.unref();
    this.#log.info({ groupId: config.processor.groupId }, 'lifecycle processor started');
    // The limits in force, a city's own laid over the defaults: a limit thought set but not in
    // force is a stall no one is told of.
    const { sentinel } = config.policy;
    this.#log.info(
      { sentinel: sentinel ?? null },
      sentinel ? 'stuck-ticket sentinel limits' : 'stuck-ticket sentinel off',
    );
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    const consumer = this.#consumer;
    // Each step runs whatever the ones before did; the first failure is thrown once all have run.
    await releaseAll([
      async () => {
        try {
          await consumer?.disconnect();
        } finally {
          // Its health as it stopped stays: a skip met while it stopped is still to be alerted.
          this.#stoppedHealth = consumer?.health() ?? null;
          this.#consumer = null;
        }
      },
      async () => {
        // An assignment still being restored makes tasks (and connects their producers) after the
        // consumer has gone: they are waited for, so that they are disconnected with the rest
        // instead of holding their connections open after the stop.
        await this.#restoring.catch(() => undefined);
        const tasks = [...this.#tasks.values()];
        this.#tasks.clear();
        await releaseTasks(tasks);
      },
      async () => this.#admin?.disconnect(),
    ]);
    this.#log.info('lifecycle processor stopped');
  }

  // Eager rebalancing revokes everything at each join, and a partition kept across two joins may
  // have been processed elsewhere in between: a task's memory goes to the next assignment's task
  // of its partition only while the changelog shows nothing but its own writes (Task.handOver).
  async #onAssignment(assigned: readonly TopicPartitions[], membership: GroupMembership): Promise<void> {
    const run = async () => {
      const old = [...this.#tasks.values()];
      this.#tasks.clear();
      const partitions = [...new Set(assigned.flatMap((a) => a.partitions))].sort((a, b) => a - b);
      const { messaging, serde, config } = this.#o;
      if (!this.#admin) return void (await retireTasks(old, this.#log));
      const context = {
        config,
        membership,
        inputs: [...this.#inputs.keys()],
        messaging,
        serde,
        admin: this.#admin,
        log: this.#log,
        commits: this.#commits,
        commitHook: this.#o.commitHook,
        metrics: this.#o.metrics,
      };
      // The tasks' trouble belonged to the tasks of before; the new ones say their own.
      this.#sweeps = sweepHealth(this.#o.config, this.#clock);
      const next = await this.#succession.next(old, partitions, context);
      const { tasks, refused } = next;
      this.#pauses?.refuse(refused.keys());
      this.#refused = refused;
      for (const [p, e] of refused)
        this.#sweeps.failed(`restoring the state of partition ${p}`, `${e.code}: ${e.message}`);
      for (const t of tasks) this.#tasks.set(t.partition, t);
      logAssigned(this.#log, assigned, partitions, next);
      this.#assigned = true;
      // The restored tickets' open alerts count now, not only from the next sweep on.
      this.#countStuck();
      const waiters = this.#assignmentWaiters;
      this.#assignmentWaiters = [];
      for (const w of waiters) w(partitions);
    };
    this.#restoring = this.#restoring.then(run, run);
    await this.#restoring;
  }

  #onBatch(batch: RecordBatch): Promise<void> {
    const task = this.#tasks.get(batch.partition);
    // Returning would let the consumer move past these records; failing makes it fetch them again.
    if (!task)
      return Promise.reject(
        this.#refused.get(batch.partition) ??
          new CloseloopError(
            'CL_KAFKA_TRANSIENT',
            `batch for partition ${batch.partition}, which this instance does not own`,
          ),
      );
    return task.enqueue(batch, (batches) => this.#process(task, batches));
  }

  /**
   * The batches of one task that were waiting together (see Task.enqueue): decode → decide →
   * emit → account, record by record in the order they arrived, in one transaction.
   */
  async #process(task: Task, batches: readonly RecordBatch[]): Promise<void> {
    const inputs = batches.flatMap((batch) => {
      const route = this.#inputs.get(batch.topic);
      return route && batch.records.length > 0 ? [{ batch, route }] : [];
    });
    if (inputs.length === 0) return;
    // Tasks' turns would otherwise follow one another in microtasks, the loop never between them.
    await this.#slice.yield();
    // Fetched before a hold began (see PartitionWatch): read again once it ends.
    const held = this.#watch?.held();
    if (held) throw held;
    await task.refreshIfStale();
    let pass = await decidePass(this.#pass, task.store, inputs, false);
    try {
      await emitStates(pass.out, pass.working.changes, task.partition);
    } catch (err) {
      // Only a state that cannot be encoded; a missing or refused schema is no record's fault.
      if (!isCloseloopError(err, 'CL_ENCODE_INVALID')) throw err;
      // A ticket's state cannot be written, and the records that moved it are not known: all are
      // decided again with each new state tried as it is made, so the record that made the bad
      // one is dead-lettered alone and the batch commits; thrown on, it would fail every fetch.
      this.#log.warn({ partition: task.partition, code: err.code }, 'a state could not be written; deciding again');
      pass = await decidePass(this.#pass, task.store, inputs, true);
      await emitStates(pass.out, pass.working.changes, task.partition);
    }
    const read = inputs.map((i) => i.batch);
    await task.commit(pass.out.records, offsetsAfter(read));
    task.apply(pass.working.changes);
    pass.tally.record(this.#o.metrics, pass.out, read);
  }

  /**
   * Asks the broker for the co-partitioned topics' partition counts, and holds every input
   * partition and the sweeps while one differs from processor.partitions (see PartitionWatch).
   * Runs on a timer; callable for tests. Returns whether the processor holds.
   */
  checkPartitionsNow(): Promise<boolean> {
    return this.#watch?.check() ?? Promise.resolve(false);
  }

  /** Tombstones closed tickets past the retention window. Runs on a timer; callable for tests. */
  expireNow(): Promise<number> {
    if (this.#watch?.held()) return Promise.resolve(0);
    return expire([...this.#tasks.values()], this.#sweepContext());
  }

  /**
   * The timer sweep of tickets no event has touched since (see sweep.ts). Runs on a timer;
   * callable for tests. Returns the number of tickets that changed.
   */
  async checkTimersNow(): Promise<number> {
    const { policy } = this.#o.config;
    // With neither SLA nor sentinel, only alerts raised before the sentinel was turned off are
    // left to clear (see decideSentinel): the sweep runs while the last count holds any.
    const idle = !policy.sla && !policy.sentinel && (this.#stuck?.open ?? 0) === 0;
    if (idle || this.#watch?.held()) return 0;
    const changed = await checkTimers([...this.#tasks.values()], this.#sweepContext());
    this.#countStuck();
    return changed;
  }

  #sweepContext(): SweepContext {
    const { config, serde, metrics } = this.#o;
    return { config, serde, metrics, clock: this.#clock, log: this.#log, health: this.#sweeps };
  }

  /**
   * The sentinel's alerts open in the owned tickets as of the last sweep (or assignment), for
   * readiness; null before the first assignment.
   */
  stuckTickets(): StuckTickets | null {
    return this.#stuck;
  }

  /** Counts the alerts open in the owned tickets now, into the summary and closeloop_stuck_tickets. */
  #countStuck(): void {
    this.#stuck = tallyStuck(
      [...this.#tasks.values()].map((t) => t.store.values()),
      this.#o.config.policy,
      this.#clock(),
      this.#o.metrics?.stuckTickets,
      [...this.#tasks.keys()],
    );
  }
}
