import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { AvroSerde, REGISTRY_START_RETRY } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { startLoopback } from '../support/loopback-registry.ts';

const cleanup = cleanupAfter('each');

// A port that was just free and is closed again: connections to it are refused for real.
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (typeof addr !== 'object' || !addr) throw new Error('no port');
  return addr.port;
}

describe('an unreachable registry', () => {
  it('is a retriable failure, so the caller pauses instead of dead-lettering', async () => {
    const serde = new AvroSerde({ url: `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`, retries: 0 });
    const frame = Buffer.from([0, 0, 0, 0, 7, 2, 65]);
    const err = await serde.decode(frame).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseloopError);
    expect(err).toMatchObject({ code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE', retriable: true });
  });

  it('fails registration as retriable too, once its tries are spent', async () => {
    const serde = new AvroSerde({ url: `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`, retries: 0 });
    const retry = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5 };
    const err = await serde.register('x-value', { type: 'string' }, { retry }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE', retriable: true });
  });

  it('has registration wait out a registry that does not answer for a moment, whoever registers', async () => {
    const { registry, url } = await startLoopback(cleanup);
    const warnings: Record<string, unknown>[] = [];
    const log = createLogger({
      level: 'warn',
      destination: { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) },
    });
    // No policy given: the default one (as an import, the KPI publisher or a test helper registers).
    const serde = new AvroSerde({ url, retries: 0, timeoutMs: 150, log });
    registry.stallNext = 1;
    const id = await serde.register('x-value', { type: 'record', name: 'X', fields: [{ name: 'a', type: 'string' }] });
    expect(registry.subjects()).toEqual(['x-value']);
    expect(await serde.encode('x-value', { a: 'a' })).toEqual(Buffer.from([0, 0, 0, 0, id, 2, 97]));
    expect(warnings.map((w) => [w['code'], w['subject'], w['attempt'], w['attempts']])).toEqual([
      ['CL_SCHEMA_REGISTRY_UNAVAILABLE', 'x-value', 1, REGISTRY_START_RETRY.retries + 1],
    ]);
  });

  it('fails within its time-out, retriable, when the registry takes the connection and never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    try {
      const serde = new AvroSerde({ url: `http://127.0.0.1:${port}/apis/ccompat/v7`, retries: 0, timeoutMs: 300 });
      const started = Date.now();
      const err = await serde.decode(Buffer.from([0, 0, 0, 0, 7, 2, 65])).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE', retriable: true });
      expect((err as Error).message).toBe(
        'decoding a record with schema id 7: the registry did not answer: Timeout (300ms)',
      );
      // Bounded by the time-out, not by the test's: a hang would run into the 5 s limit instead.
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
