import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createKafkaMessaging } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';

describe('a Kafka listener that takes the connection and never answers', () => {
  it('fails the admin connect within one connection and one request time-out, naming the address', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const broker = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const messaging = createKafkaMessaging({
      brokers: [broker],
      clientId: 'silent-broker',
      logger: createLogger({ level: 'silent' }),
      connectionTimeoutMs: 200,
      requestTimeoutMs: 500,
    });
    const admin = messaging.admin();
    try {
      const started = Date.now();
      const err = await admin.connect().catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'CL_KAFKA_TRANSIENT',
        retriable: true,
        message: `connecting the Kafka admin client: the broker at ${broker} did not answer within 700 ms`,
      });
      // The client alone retried for minutes (every retry a full request time-out).
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      await admin.disconnect().catch(() => undefined);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
