import { describe, expect, it } from 'vitest';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import type { Messaging, TransactionalProducer } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { releaseTasks, retireTasks } from '../../../src/processor/assignment.ts';
import { newCommitLog, Task, type TaskContext } from '../../../src/processor/task.ts';

/** Tasks whose producers connect, and disconnect or fail to, as `failing` says per partition. */
async function tasksWithProducers(failing: ReadonlySet<number>) {
  const disconnected: number[] = [];
  const producerOf = (partition: number): TransactionalProducer =>
    ({
      connect: async () => undefined,
      disconnect: async () => {
        disconnected.push(partition);
        if (failing.has(partition)) throw new Error(`producer ${partition}: socket hang up`);
      },
    }) as unknown as TransactionalProducer;
  const messaging = {
    transactionalProducer: (id: string) => producerOf(Number(id.split('-task-')[1])),
  } as unknown as Messaging;
  const context = {
    config: { processor: { groupId: 'g' } } as CloseloopConfig,
    messaging,
    commits: newCommitLog(),
  } as unknown as TaskContext;
  const tasks = [0, 1, 2].map((p) => new Task(p, context));
  for (const t of tasks) await t.producer();
  return { tasks, disconnected };
}

describe("releasing a task's producers", () => {
  it('disconnects every producer and throws the first failure once all are done', async () => {
    const { tasks, disconnected } = await tasksWithProducers(new Set([0, 2]));
    await expect(releaseTasks(tasks)).rejects.toThrow('producer 0: socket hang up');
    expect(disconnected.sort()).toEqual([0, 1, 2]);
  });

  it('retires the replaced tasks, and logs a producer that did not disconnect instead of failing the assignment', async () => {
    const { tasks, disconnected } = await tasksWithProducers(new Set([1]));
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({
      level: 'warn',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    await expect(retireTasks(tasks, log)).resolves.toBeUndefined();
    expect(tasks.every((t) => t.retired)).toBe(true);
    expect(disconnected.sort()).toEqual([0, 1, 2]);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'a retired task did not disconnect',
        err: expect.stringContaining('producer 1: socket hang up'),
        partitions: [0, 1, 2],
      }),
    ]);
  });
});
