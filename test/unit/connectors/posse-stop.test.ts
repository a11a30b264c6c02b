import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type WorkOrderCommand } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

// The sink runner passes deliver() a signal that aborts when it stops or loses the partition.
// POSSE's sink ignored it: a stop waited out timeoutMs, and the write could land after the
// partition's next owner had delivered the command again.

const cleanup = cleanupAfter('each');
const TIMEOUT_MS = 5_000;

/** A POSSE that takes every request and answers none: each call ends by its signal or time-out. */
async function silentPosse() {
  const calls: string[] = [];
  const server = http.createServer((req) => calls.push(`${req.method} ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  const config = parseConnectorConfig('posse', posse.config, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    jurisdiction: 'testville',
    departments: ['housing'],
    timeoutMs: TIMEOUT_MS,
  });
  const sink = posse.sink?.(config, { logger: createLogger({ level: 'silent' }), env: {}, clock: Date.now });
  if (!sink) throw new Error('posse has no sink');
  return { sink, calls };
}

const command = (kind: WorkOrderCommand['kind']): WorkOrderCommand => ({
  envelope: {
    eventId: 'e1',
    jurisdiction: 'testville',
    source: 'closeloop',
    sequence: null,
    occurredAt: 1_730_000_000_000,
    correlationId: null,
    origin: 'processor',
  },
  commandId: 'cmd-1',
  ticketId: 'T-1',
  kind,
  department: 'housing',
  system: 'posse',
  workOrderId: 'T-1#1',
  serviceCode: 'SR-HIGH-GRASS',
  description: null,
  priority: 3,
  reason: null,
  note: 'The dog in the yard bites.',
});

/** How long a delivery takes to end when the runner stops 50 ms into it. */
async function stoppedAfter(deliver: (signal: AbortSignal) => Promise<void>): Promise<number> {
  const stop = new AbortController();
  const started = Date.now();
  setTimeout(() => stop.abort(), 50);
  await expect(deliver(stop.signal)).rejects.toBeDefined();
  return Date.now() - started;
}

describe('posse sink: the runner stopping', () => {
  it.each(['CREATE', 'CANCEL', 'UPDATE_PRIORITY', 'ADD_NOTE', 'REVIEW'] as const)(
    'ends a %s call at once',
    async (kind) => {
      const { sink, calls } = await silentPosse();
      expect(await stoppedAfter((signal) => sink.deliver(command(kind), signal))).toBeLessThan(1_000);
      expect(calls).toHaveLength(1);
    },
  );

  it('ends the read of the notes a retry of an unanswered note starts with', async () => {
    const { sink, calls } = await silentPosse();
    const note = command('ADD_NOTE');
    await stoppedAfter((signal) => sink.deliver(note, signal));
    expect(await stoppedAfter((signal) => sink.deliver(note, signal))).toBeLessThan(1_000);
    expect(calls).toEqual(['POST /posse/api/jobs/T-1%231/notes', 'GET /posse/api/jobs/T-1%231']);
  });
});
