import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import { createInMemoryMessaging, type Messaging } from '../../../src/messaging/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { inMemoryProcessor, inMemorySetup } from '../../support/in-memory-processor.ts';

const cleanup = cleanupAfter('each');

/** `target`, its methods bound to it (its private fields need that), with another disconnect. */
function withDisconnect<T extends object>(target: T, disconnect: () => Promise<void>): T {
  return new Proxy(target, {
    get: (t, key) => {
      if (key === 'disconnect') return disconnect;
      const value: unknown = Reflect.get(t, key, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/**
 * The in-memory messaging, with the processor's consumer failing its close (after closing, as
 * a leave the broker refused does) and every producer's and admin client's disconnect counted.
 */
function failingLeave(inner: Messaging) {
  const disconnected = { producers: 0, admins: 0 };
  const messaging: Messaging = {
    admin: () => {
      const a = inner.admin();
      return withDisconnect(a, async () => {
        disconnected.admins += 1;
        await a.disconnect();
      });
    },
    producer: (o) => inner.producer(o),
    transactionalProducer: (id) => {
      const p = inner.transactionalProducer(id);
      return {
        connect: () => p.connect(),
        fence: () => p.fence(),
        begin: () => p.begin(),
        disconnect: async () => {
          disconnected.producers += 1;
          await p.disconnect();
        },
      };
    },
    consumer: (o) => {
      const c = inner.consumer(o);
      return withDisconnect(c, async () => {
        await c.disconnect();
        throw new CloseloopError('CL_KAFKA_TRANSIENT', 'disconnecting the Kafka consumer: leave refused');
      });
    },
  };
  return { messaging, disconnected };
}

describe('stopping the lifecycle processor', () => {
  it("disconnects every task's producer and its admin client when the consumer's close fails, then reports it", async () => {
    const base = await inMemorySetup(cleanup, 3);
    const inner = createInMemoryMessaging();
    const { messaging, disconnected } = failingLeave(inner);
    const { processor } = await inMemoryProcessor(cleanup, { ...base, messaging });
    const admins = disconnected.admins;

    const err = await processor.stop().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CL_KAFKA_TRANSIENT', message: expect.stringContaining('leave refused') });
    // Three tasks, each with a producer connected at the assignment (the restore fences with
    // it), all disconnected.
    expect(disconnected.producers).toBe(3);
    expect(disconnected.admins).toBe(admins + 1);
    expect(processor.ticketsInState().size).toBe(0);
  });
});
