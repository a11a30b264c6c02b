import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callJson, HttpClient, rawField, readChanges } from '../../../src/sdk/index.ts';

// A department system writing one change's note in Windows-1252 under a UTF-8 label ("Caf\xe9"):
// read strictly, every poll of that page failed and the whole feed stopped on that one change.
let server: Server;
let http: HttpClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    // Its U+FFFD in a field the contract does not read is published nowhere: no reason to refuse it.
    const good = '{"seq":1,"ticketId":"T-1","note":"café","legacy":"\uFFFD"}';
    const body = Buffer.concat([
      Buffer.from(`{"watermark":2,"changes":[${good},{"seq":2,"ticketId":"T-2","note":"Caf`),
      Buffer.from([0xe9]),
      Buffer.from('"}]}'),
    ]);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  http = new HttpClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 1_000 });
});
afterAll(async () => {
  await http.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const page = z.object({ watermark: z.number(), changes: z.array(z.unknown()) });
const change = z.object({ seq: z.number(), ticketId: z.string(), note: z.string() });

describe('a change whose bytes are not text in the charset its page declares', () => {
  it('is dead-lettered on its own, the rest of the page read', async () => {
    const read = await callJson('reading changes', page, () => http.get('/changes'));
    const { records, rejected } = readChanges(read.changes, {
      what: 'test change',
      schema: change,
      position: (raw, i) => `seq ${rawField(raw, 'seq') ?? `#${i}`}`,
      key: (raw) => rawField(raw, 'ticketId'),
      map: (c) => ({ key: c.ticketId, value: c.note }),
    });
    expect(records).toEqual([{ position: 'seq 1', key: 'T-1', value: 'café' }]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({
      position: 'seq 2',
      key: 'T-2',
      error: { code: 'CL_SOURCE_RECORD_INVALID', retriable: false, details: { fields: ['note'] } },
    });
    expect(rejected[0]?.error.message).toContain(
      'test change seq 2 (ticket T-2) cannot be read: note: text with U+FFFD',
    );
  });

  it('fails a call that asks for strict text as malformed', async () => {
    await expect(
      callJson('reading changes', page, () => http.get('/changes', { strictText: true })),
    ).rejects.toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
      details: { malformed: 'not utf-8 text (bytes that are not text in it)' },
    });
  });
});
