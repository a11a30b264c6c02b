import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type WorkOrderCommand } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

// A note whose POST went unanswered is looked for among the job's notes before it is posted
// again. However the job view lists them, that look must not hold the note up for good.

const cleanup = cleanupAfter('each');

/**
 * A POSSE that honours Idempotency-Key, takes the first note but never answers it (a time-out),
 * and lists a job's notes as `view` writes them.
 */
async function posseWith(view: (texts: readonly string[]) => unknown) {
  const texts: string[] = [];
  const keys = new Set<string>();
  let posts = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url?.endsWith('/notes')) {
        posts += 1;
        const key = String(req.headers['idempotency-key']);
        if (!keys.has(key)) texts.push((JSON.parse(body) as { note: string }).note);
        keys.add(key);
        if (posts > 1) res.end(JSON.stringify({ jobId: 'J-1' }));
        return;
      }
      res.end(JSON.stringify({ jobId: 'J-1', externalRef: 'T-1#1', ticketId: 'T-1', notes: view(texts) }));
    });
  });
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
    timeoutMs: 200,
  });
  const logger = createLogger({ level: 'silent' });
  const warn = vi.spyOn(logger, 'warn');
  const sink = posse.sink?.(config, { logger, env: {}, clock: Date.now });
  if (!sink) throw new Error('posse has no sink');
  return { sink, warn, texts, posts: () => posts };
}

const note: WorkOrderCommand = {
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
  kind: 'ADD_NOTE',
  department: 'housing',
  system: 'posse',
  workOrderId: 'T-1#1',
  serviceCode: 'SR-HIGH-GRASS',
  description: null,
  priority: 3,
  reason: null,
  note: 'The dog in the yard bites.',
};

describe('posse sink: the notes of a job, looked for after an unanswered note', () => {
  it.each([
    ['objects with the text under body', (texts: readonly string[]) => texts.map((body) => ({ body, by: 'x' }))],
    ['objects with the text under note', (texts: readonly string[]) => texts.map((n) => ({ note: n, at: 1 }))],
  ])('finds the note among %s, and does not post it again', async (_, view) => {
    const { sink, texts, posts } = await posseWith(view);
    await expect(sink.deliver(note)).rejects.toMatchObject({ code: 'CL_CONNECTOR_RETRIABLE' });
    await sink.deliver(note);
    expect(posts()).toBe(1);
    expect(texts).toEqual([note.note]);
  });

  it('takes a view whose notes are null as one that lists none, and posts with the key', async () => {
    const { sink, texts, posts } = await posseWith(() => null);
    await expect(sink.deliver(note)).rejects.toMatchObject({ code: 'CL_CONNECTOR_RETRIABLE' });
    await sink.deliver(note);
    expect(posts()).toBe(2);
    expect(texts).toEqual([note.note]);
  });

  it('posts with the key, and says so, when the notes cannot be read', async () => {
    const { sink, warn, texts, posts } = await posseWith((t) => t.map(() => ({ author: '311', length: 26 })));
    await expect(sink.deliver(note)).rejects.toMatchObject({ code: 'CL_CONNECTOR_RETRIABLE' });
    await sink.deliver(note);
    expect(posts()).toBe(2);
    expect(texts).toEqual([note.note]);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ ticketId: 'T-1', commandId: 'cmd-1', error: expect.stringContaining('notes.0') }),
      expect.stringContaining('posted with its Idempotency-Key'),
    );
  });
});
