import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { posse } from '../../../connectors/posse/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type WorkOrderCommand } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

// POSSE's writes are answered with JSON the bridge never reads. A 201 {"id": ...} or a 202
// {"reviewRequestId": ...} lacked the jobId the client's schema asked for, so each write it took
// was retried as malformed, 6 POSTs a pause cycle, and given up on as exhausted after 10.

const cleanup = cleanupAfter('each');

/** A POSSE that takes every write and answers it as `answers` says for its path's last segment. */
async function posseAnswering(answers: Record<string, { status: number; type?: string; body: string }>) {
  const writes: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      writes.push(`${req.method} ${req.url}`);
      const a = answers[(req.url ?? '').split('/').pop() ?? ''] ?? { status: 204, body: '' };
      // Each character of the body as one byte: \xe9 is é in Windows-1252, no UTF-8.
      res.writeHead(a.status, a.type ? { 'content-type': a.type } : {}).end(Buffer.from(a.body, 'latin1'));
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
  const logged: string[] = [];
  const config = parseConnectorConfig('posse', posse.config, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    jurisdiction: 'testville',
    departments: ['housing'],
  });
  const logger = createLogger({ level: 'info', destination: { write: (l: string) => void logged.push(l) } });
  const sink = posse.sink?.(config, { logger, env: {}, clock: Date.now });
  if (!sink) throw new Error('posse has no sink');
  const warnings = () => logged.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['level'] === 40);
  return { sink, writes, warnings };
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
  commandId: `cmd-${kind}`,
  ticketId: 'T-1',
  kind,
  department: 'housing',
  system: 'posse',
  workOrderId: 'T-1#1',
  serviceCode: 'SR-HIGH-GRASS',
  description: null,
  priority: 3,
  reason: null,
  note: 'Gate code 1234.',
});

const json = 'application/json';

describe('posse sink: the answers to its writes', () => {
  it('takes a write answered 2xx with JSON of another shape once, with a warning naming its fields only', async () => {
    const { sink, writes, warnings } = await posseAnswering({
      jobs: { status: 201, type: json, body: '{"id":"J-000123","owner":"jane@example.org"}' },
      review: { status: 202, type: json, body: '{"reviewRequestId":"RR-77","status":"QUEUED"}' },
      notes: { status: 200, type: json, body: '"OK"' },
      cancel: { status: 200, type: json, body: '{"jobId":"J-1"}' },
    });
    for (const kind of ['CREATE', 'REVIEW', 'ADD_NOTE', 'CANCEL'] as const) await sink.deliver(command(kind));
    expect(writes).toEqual([
      'POST /posse/api/jobs',
      'POST /posse/api/jobs/T-1%231/review',
      'POST /posse/api/jobs/T-1%231/notes',
      'POST /posse/api/jobs/T-1%231/cancel',
    ]);
    // The job POSSE documents goes without a word; every other answer is named by its shape.
    expect(warnings().map((w) => [w['kind'], w['answered'], w['msg']])).toEqual([
      ['CREATE', 'an object with fields id, owner', 'POSSE answered the write with no job; counted as done'],
      [
        'REVIEW',
        'an object with fields reviewRequestId, status',
        'POSSE answered the write with no job; counted as done',
      ],
      ['ADD_NOTE', 'a JSON string', 'POSSE answered the write with no job; counted as done'],
    ]);
    expect(JSON.stringify(warnings())).not.toContain('jane@example.org');
  });

  // Refused as undecodable, the job POSSE had made was retried (CREATE has no idempotency key:
  // a duplicate job each time) and then given up on as exhausted.
  it('takes a write once whose answer echoes text not in the charset it declares', async () => {
    const { sink, writes } = await posseAnswering({
      jobs: { status: 201, type: json, body: '{"jobId":"J-1","description":"Pothole outside Caf\xe9"}' },
    });
    await sink.deliver(command('CREATE'));
    expect(writes).toEqual(['POST /posse/api/jobs']);
  });

  it('still refuses as malformed a write answered with a body that is no JSON, such as a proxy page', async () => {
    const { sink } = await posseAnswering({
      priority: { status: 200, type: 'text/html', body: '<html><body>Request blocked</body></html>' },
    });
    await expect(sink.deliver(command('UPDATE_PRIORITY'))).rejects.toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
      retriable: true,
    });
  });
});
