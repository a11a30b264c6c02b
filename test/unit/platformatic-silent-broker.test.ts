import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createKafkaMessaging } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';

describe('a Kafka listener that takes the connection and never answers', () => {
  it('fails the admin connect within one connection and one request time-out, naming the address', async () => {
    const sockets: Socket[] = [];
    const ended = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.push(socket);
      // Read and ignore what is asked; its end says the client let go.
      socket.on('end', () => ended.add(socket)).resume();
    });
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
      // The client was closed with the failure: the listener sees its connection end.
      await new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error('the client kept its connection')), 2_000);
        const check = () =>
          sockets.every((s) => ended.has(s)) ? (clearTimeout(deadline), resolve()) : setTimeout(check, 20);
        check();
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
