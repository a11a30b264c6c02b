import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import { createInMemoryMessaging } from '../../../src/messaging/index.ts';
import { restoreTasks, retireTasks } from '../../../src/processor/assignment.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { inMemorySetup } from '../../support/in-memory-processor.ts';
import { taskContext } from '../../support/kept-tasks.ts';
import { overTransaction, wrapMessaging } from '../../support/recording-messaging.ts';

const cleanup = cleanupAfter('each');

describe('the input offsets a task knows its group holds (what its timer sweeps commit again)', () => {
  it('moves with its commits and, after a commit that failed but took effect, is read again from the group', async () => {
    const { serde, config } = await inMemorySetup(cleanup, 1);
    const inner = createInMemoryMessaging();
    // Armed, a transaction commits and then reports failure, as a lost EndTxn reply does.
    let lose = false;
    const messaging = wrapMessaging(inner, {
      transaction: (tx) =>
        overTransaction(tx, {
          commit: async () => {
            await tx.commit();
            if (lose) throw new CloseloopError('CL_KAFKA_TRANSIENT', 'the commit’s reply was lost');
          },
        }),
    });
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const { context, inputs } = taskContext(config, messaging, serde, admin);
    await admin.ensureTopics(inputs.map((topic) => ({ topic, partitions: 1 })));
    await admin.ensureTopics([{ topic: config.topics.state, partitions: 1 }]);
    const { tasks } = await restoreTasks([0], context);
    cleanup.push(() => retireTasks(tasks, context.log));
    const [task] = tasks;
    if (!task) throw new Error('no task');
    const input = inputs[0] ?? '';
    const state = (key: string) => new Map([[config.topics.state, [{ key, value: null, partition: 0 }]]]);
    // None committed yet: a sweep has no offsets to commit again.
    expect(task.committedOffsets()).toEqual([]);

    await task.commit(state('a'), [{ topic: input, partition: 0, offset: '3' }]);
    expect(task.committedOffsets()).toEqual([{ topic: input, partition: 0, offset: '3' }]);

    lose = true;
    await expect(task.commit(state('b'), [{ topic: input, partition: 0, offset: '7' }])).rejects.toThrow(/lost/);
    lose = false;
    expect(task.stale).toBe(true);
    // The outcome is not known: the re-read asks the group, which took 7. A sweep committing the
    // 3 it knew would have moved the group back over records already handled.
    await task.refreshIfStale();
    expect(task.committedOffsets()).toEqual([{ topic: input, partition: 0, offset: '7' }]);
  });
});
