import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookBell } from '../../../src/sdk/index.ts';
import { until } from '../../support/wait.ts';

// A real receiver: it records each ring and answers with the status the test asks for.
const rings: { method: string; path: string; authorization: string | undefined; body: string }[] = [];
let answer = 202;
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      rings.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, body });
      res.writeHead(answer, { 'content-type': 'application/json' }).end('{"accepted":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

const settled = (bell: WebhookBell, calls: number) =>
  until(`${calls} webhook calls`, () => bell.sent + bell.failed === calls, 5_000);

describe('a simulator webhook bell', () => {
  it('rings with a bearer token and no data, and folds the rings of a burst into two calls', async () => {
    rings.length = 0;
    answer = 202;
    const bell = new WebhookBell();
    bell.configure({ url: `${base}/hooks/posse`, token: 'bell-token' });
    for (let i = 0; i < 5; i += 1) bell.ring();
    await settled(bell, 2);
    expect([bell.sent, bell.failed]).toEqual([2, 0]);
    expect(rings).toEqual([
      { method: 'POST', path: '/hooks/posse', authorization: 'Bearer bell-token', body: '{"event":"changes"}' },
      { method: 'POST', path: '/hooks/posse', authorization: 'Bearer bell-token', body: '{"event":"changes"}' },
    ]);
  });

  it('counts a refused ring and one nobody answers as failed, and rings on', async () => {
    rings.length = 0;
    answer = 401;
    const bell = new WebhookBell();
    bell.configure({ url: `${base}/hooks/crm-rest` });
    bell.ring();
    await settled(bell, 1);
    expect([bell.sent, bell.failed]).toEqual([0, 1]);
    expect(rings[0]?.authorization).toBeUndefined();

    // A port with nothing listening: the call fails, is counted and dropped.
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    bell.configure({ url: `http://127.0.0.1:${port}/hooks/crm-rest` });
    bell.ring();
    await settled(bell, 2);
    expect([bell.sent, bell.failed]).toEqual([0, 2]);

    answer = 200;
    bell.configure({ url: `${base}/hooks/crm-rest` });
    bell.ring();
    await settled(bell, 3);
    expect([bell.sent, bell.failed]).toEqual([1, 2]);
  });

  it('does not ring while no url is set', async () => {
    rings.length = 0;
    const bell = new WebhookBell();
    bell.ring();
    bell.configure({ url: null });
    bell.ring();
    // A ring goes out after the current task; two turns of the loop later nothing has.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect([bell.sent, bell.failed, rings.length]).toEqual([0, 0, 0]);
  });
});
