import { describe, expect, it } from 'vitest';
import type { CloseloopConfig } from '../../src/config/index.ts';
import { isExpired, type TicketState } from '../../src/domain/index.ts';
import type { AvroSerde, GroupMembership, Messaging, MessagingAdmin } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { restoreTasks, retireTasks } from '../../src/processor/assignment.ts';
import { expire, sweepHealth } from '../../src/processor/sweep.ts';
import { inputRoutes } from '../../src/processor/repartition.ts';
import { newCommitLog, type Task } from '../../src/processor/task.ts';
import { topicSpecs } from '../../src/topics/index.ts';
import { cleanupAfter } from './cleanup.ts';
import { Bridge, crm, dept, testPolicy } from './domain.ts';

/** What restoreTasks needs of a processor, quiet, and the config's input topics. */
export function taskContext(
  config: CloseloopConfig,
  messaging: Messaging,
  serde: AvroSerde,
  admin: MessagingAdmin,
  member: Partial<GroupMembership> = {},
) {
  // By default a group id alone (generation -1, no member id), whose offsets are not checked.
  const membership = {
    groupId: config.processor.groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    ...member,
  };
  const log = createLogger({ level: 'silent' });
  const inputs = [...inputRoutes(config).keys()];
  const context = { config, membership, inputs, messaging, serde, admin, log, commits: newCommitLog() };
  return { context, inputs };
}

/**
 * A member given partitions it held at its previous assignment keeps their tickets in memory
 * only while the changelog ends where its own commits left it (Task.handOver): run in memory and
 * on the real broker, whose commit markers take offsets as the in-memory ones do.
 */
export function keptTaskCases(
  name: string,
  setup: () => Promise<{ serde: AvroSerde; config: CloseloopConfig; messaging: Messaging }>,
): void {
  const cleanup = cleanupAfter('each');

  /** Three tasks restored, each having committed a changelog record and holding a ticket the changelog lacks. */
  async function held(member: Partial<GroupMembership> = {}, committedAt?: string) {
    const { serde, config, messaging } = await setup();
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await admin.ensureTopics(topicSpecs(config));
    const { context, inputs } = taskContext(config, messaging, serde, admin, member);
    // The group's offsets of the first input, committed before: what the tasks learn they hold.
    if (committedAt !== undefined) {
      const setter = messaging.transactionalProducer(`setup-${config.processor.groupId}`);
      await setter.connect();
      const tx = await setter.begin();
      const offsets = [0, 1, 2].map((partition) => ({ topic: inputs[0] ?? '', partition, offset: committedAt }));
      await tx.sendOffsets(config.processor.groupId, offsets);
      await tx.commit();
      await setter.disconnect();
    }
    const first = await restoreTasks([0, 1, 2], context);
    cleanup.push(() => retireTasks(first.tasks, context.log));
    // A tombstone: nothing to restore. The ticket in memory is still there only if memory was kept.
    const commitOwn = (t: Task, key: string) =>
      t.commit(new Map([[config.topics.state, [{ key, value: null, partition: t.partition }]]]), []);
    for (const t of first.tasks) {
      await commitOwn(t, `gone-${t.partition}`);
      t.store.set(`SR-${t.partition}`, { ticketId: `SR-${t.partition}` } as TicketState);
    }
    const again = async (previous: readonly Task[]) => {
      await retireTasks(previous, context.log);
      const next = await restoreTasks([0, 1, 2], context, previous);
      cleanup.push(() => retireTasks(next.tasks, context.log));
      return next;
    };
    return { messaging, config, serde, inputs, first, again, commitOwn };
  }
  const memory = (tasks: readonly Task[]) => tasks.map((t) => [...t.store.keys()]);

  describe(`an assignment that gives a member partitions it held before: ${name}`, () => {
    it('keeps the tickets in memory of each partition whose changelog only its own task wrote since', async () => {
      const { first, again, commitOwn } = await held();
      const next = await again(first.tasks);
      expect(next.kept).toEqual([0, 1, 2]);
      expect(next.restored.records).toBe(0);
      expect(memory(next.tasks)).toEqual([['SR-0'], ['SR-1'], ['SR-2']]);
      // The new tasks go on counting their own commits: kept again at the next assignment.
      for (const t of next.tasks) await commitOwn(t, `gone-again-${t.partition}`);
      const third = await again(next.tasks);
      expect(third.kept).toEqual([0, 1, 2]);
      expect(memory(third.tasks)).toEqual([['SR-0'], ['SR-1'], ['SR-2']]);
    });

    it('reads the changelog again for a partition someone else wrote to since, or whose last commit failed', async () => {
      const { messaging, config, first, again } = await held();
      // Another owner in between (a generation this member did not see) changed a ticket on 1.
      const producer = messaging.producer();
      await producer.connect();
      cleanup.push(() => producer.disconnect());
      await producer.send(config.topics.state, [{ key: 'other', value: null, partition: 1 }]);
      // Task 2's last commit failed: what the broker kept of it is not known.
      const failed = first.tasks[2];
      if (failed) failed.stale = true;
      const next = await again(first.tasks);
      expect(next.kept).toEqual([0]);
      expect(memory(next.tasks)).toEqual([['SR-0'], [], []]);
    });

    it('keeps the memory of a task whose offsets its group refused, its transaction aborted, and lets it do nothing more', async () => {
      // A member its group does not know, as one whose session expired or that left.
      const { config, inputs, first, again } = await held({ generationId: 1, memberId: 'gone' });
      const [refusedTask] = first.tasks;
      const offsets = [{ topic: inputs[0] ?? '', partition: 0, offset: '1' }];
      const tombstone = new Map([[config.topics.state, [{ key: 'SR-0', value: null, partition: 0 }]]]);
      await expect(refusedTask?.commit(tombstone, offsets)).rejects.toMatchObject({ code: 'CL_KAFKA_NOT_MEMBER' });
      // No claim of its id again, no re-read: its work waits for the next assignment.
      await expect(refusedTask?.refreshIfStale()).rejects.toMatchObject({ code: 'CL_KAFKA_NOT_MEMBER' });
      // Its state record and abort marker counted, the changelog ends where the task says.
      const next = await again(first.tasks);
      expect(next.kept).toEqual([0, 1, 2]);
      expect(memory(next.tasks)).toEqual([['SR-0'], ['SR-1'], ['SR-2']]);
    });

    it('has a stale task of a member its group no longer knows leave its id to the partition’s new owner', async () => {
      const { messaging, config, first, commitOwn } = await held({ generationId: 1, memberId: 'gone' });
      const [task] = first.tasks;
      if (!task) throw new Error('no task');
      // The partition's new owner claims the task's id (fencing this one) and is mid-transaction.
      const owner = messaging.transactionalProducer(`${config.processor.groupId}-task-0`);
      await owner.connect();
      cleanup.push(() => owner.disconnect());
      const open = await owner.begin();
      await open.send(config.topics.state, [{ key: 'owner', value: null, partition: 0 }]);
      await expect(commitOwn(task, 'late')).rejects.toMatchObject({ code: 'CL_KAFKA_FENCED' });
      // Claiming the id back to re-read would abort the owner's transaction: the group says no first.
      await expect(task.refreshIfStale()).rejects.toMatchObject({ code: 'CL_KAFKA_NOT_MEMBER' });
      expect(task.behindGroup).toBe(true);
      await open.commit();
    });

    it('has a timer sweep of a member its group no longer knows refused too: it commits the group’s offsets again', async () => {
      const { config, serde, inputs, first } = await held({ generationId: 1, memberId: 'gone' }, '0');
      const [task] = first.tasks;
      if (!task) throw new Error('no task');
      expect(task.committedOffsets()).toEqual([{ topic: inputs[0], partition: 0, offset: '0' }]);
      // A ticket closed longer ago than the retention, which the expiry sweep tombstones.
      const bridge = new Bridge(await testPolicy());
      bridge.send(crm('SR-closed', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
      bridge.send(crm('SR-closed', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Fixed.' }));
      bridge.send(dept('SR-closed', 'SR-closed#1', 'maximo', 'CAN', 3, { department: 'transportation' }));
      const closed = bridge.ticket('SR-closed');
      task.store.set('SR-closed', closed);
      const clock = () => bridge.now + config.policy.retentionMs + 1;
      expect(isExpired(closed, clock(), config.policy.retentionMs)).toBe(true);
      const log = createLogger({ level: 'silent' });
      await expire([task], { config, serde, clock, log, health: sweepHealth(config, clock) });
      // Refused as a batch's commit is: nothing written, the ticket kept, the task waiting.
      expect(task.store.has('SR-closed')).toBe(true);
      expect(task.behindGroup).toBe(true);
    });

    it('reads the changelog again for a partition whose task wrote a state elsewhere, its count then unsure', async () => {
      const { messaging, config, first, again } = await held();
      const stray = first.tasks[0];
      await stray?.commit(new Map([[config.topics.state, [{ key: 'stray', value: null, partition: 2 }]]]), []);
      // Another writer's transaction of one record on 0 takes two offsets there, as many as the
      // stray record and its marker would have added to 0's count had it been counted for 0.
      const other = messaging.transactionalProducer(`other-${config.processor.groupId}`);
      await other.connect();
      cleanup.push(() => other.disconnect());
      const tx = await other.begin();
      await tx.send(config.topics.state, [{ key: 'other', value: null, partition: 0 }]);
      await tx.commit();
      const next = await again(first.tasks);
      // 0's count is unsure (a state of its task went elsewhere), and 2's end moved.
      expect(next.kept).toEqual([1]);
      expect(memory(next.tasks)).toEqual([[], ['SR-1'], []]);
    });
  });
}
