import type { Admin, ConnectionPool, Consumer } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { PlatformaticConsumer } from '../../src/messaging/platformatic/consumer.ts';
import { createLogger } from '../../src/observability/logger.ts';

/** The three parts a consumer closes, each recording its close and failing when told. */
function parts(fail: { consumer?: Error; pool?: Error; admin?: Error }) {
  const closed: string[] = [];
  const closer = (name: string, err?: Error) => async () => {
    closed.push(name);
    if (err) throw err;
  };
  const consumer = { close: closer('consumer', fail.consumer) } as unknown as Consumer;
  const pool = { close: closer('pool', fail.pool) } as unknown as ConnectionPool;
  const admin = { close: closer('admin', fail.admin) } as unknown as Admin;
  return { closed, consumer: new PlatformaticConsumer(consumer, pool, admin, createLogger({ level: 'silent' })) };
}

describe('closing the platformatic consumer', () => {
  it('closes the fetch connections and the admin client even when closing the Kafka consumer fails', async () => {
    const { closed, consumer } = parts({ consumer: new Error('leave group: connection closed') });
    const err = await consumer.disconnect().catch((e: unknown) => e);
    expect(closed).toEqual(['consumer', 'pool', 'admin']);
    // The failure is still the caller's to see, as the first that happened, translated.
    expect(err).toMatchObject({
      code: expect.stringMatching(/^CL_KAFKA_/),
      message: expect.stringContaining('disconnecting the Kafka consumer: leave group: connection closed'),
    });
  });

  it('closes the admin client when closing the fetch connections fails, and reports that failure', async () => {
    const { closed, consumer } = parts({ pool: new Error('pool: socket hang up') });
    const err = await consumer.disconnect().catch((e: unknown) => e);
    expect(closed).toEqual(['consumer', 'pool', 'admin']);
    expect(err).toMatchObject({ message: expect.stringContaining('pool: socket hang up') });
  });

  it('reports the first failure when several parts fail', async () => {
    const { closed, consumer } = parts({ consumer: new Error('first'), admin: new Error('third') });
    const err = await consumer.disconnect().catch((e: unknown) => e);
    expect(closed).toEqual(['consumer', 'pool', 'admin']);
    expect(err).toMatchObject({ message: expect.stringMatching(/: first$/) });
  });

  it('closes all three in order and resolves when none fails', async () => {
    const { closed, consumer } = parts({});
    await expect(consumer.disconnect()).resolves.toBeUndefined();
    expect(closed).toEqual(['consumer', 'pool', 'admin']);
  });
});
