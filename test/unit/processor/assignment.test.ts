import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import { createInMemoryMessaging, type Messaging, type MessagingAdmin } from '../../../src/messaging/index.ts';
import { restoreTasks } from '../../../src/processor/assignment.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { inMemorySetup } from '../../support/in-memory-processor.ts';
import { keptTaskCases, taskContext } from '../../support/kept-tasks.ts';

const cleanup = cleanupAfter('each');

describe('an assignment whose restore fails', () => {
  it('disconnects every producer it fenced before the failure is thrown, so retries leak no connection', async () => {
    const { serde, config } = await inMemorySetup(cleanup, 3);
    const inner = createInMemoryMessaging();
    // The transactional producers connected and not disconnected since.
    const open = new Set<string>();
    const messaging: Messaging = {
      ...inner,
      transactionalProducer: (id) => {
        const p = inner.transactionalProducer(id);
        return {
          connect: async () => {
            await p.connect();
            open.add(id);
          },
          disconnect: async () => {
            open.delete(id);
            await p.disconnect();
          },
          fence: () => p.fence(),
          begin: () => p.begin(),
        };
      },
    };
    // The changelog's topic id cannot be read (the topic is being deleted): the failure after the fence.
    const real = inner.admin();
    const failure = new CloseloopError('CL_KAFKA_TRANSIENT', 'topic id not answered');
    const admin = new Proxy(real, {
      get: (target, name, receiver) =>
        name === 'topicId' ? () => Promise.reject(failure) : (Reflect.get(target, name, receiver) as unknown),
    }) as MessagingAdmin;
    const { context } = taskContext(config, messaging, serde, admin);
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(restoreTasks([0, 1, 2], context)).rejects.toBe(failure);
      expect([...open]).toEqual([]);
    }
  });
});

keptTaskCases('in memory', async () => {
  const { serde, config } = await inMemorySetup(cleanup, 3);
  return { serde, config, messaging: createInMemoryMessaging() };
});
