import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { outageDetail, outageReason } from '../../../src/runtime/index.ts';
import { classifyHttpError, HttpClient } from '../../../src/sdk/index.ts';

// Servers on raw sockets, for what no well-behaved HTTP server does.

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function rawServer(onRequest: (socket: Socket, head: string) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const head = buffered.slice(0, end);
      buffered = '';
      onRequest(socket, head);
    });
  });
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  }) as Server['close'];
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the SDK HTTP client and an answer outside HTTP/1.1', () => {
  // RFC 9110 lets a server send 100 Continue unasked, and some IIS and Java stacks do; undici
  // ends the connection ("bad response"), which read as a dropped connection: retried, the write
  // applied at each try.
  it('makes an interim 100 Continue not asked for a misdirected endpoint, so a write is not retried', async () => {
    let writes = 0;
    const url = await rawServer((socket, head) => {
      if (head.startsWith('POST')) {
        writes += 1;
        socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      }
      const body = '{"jobId":"J-1"}';
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      );
    });
    const http = new HttpClient({ baseUrl: url, timeoutMs: 2_000 });
    expect((await http.get('/jobs')).data).toBe('{"jobId":"J-1"}');
    const err = classifyHttpError(
      await http.post('/jobs/1/review', {}).catch((e: unknown) => e),
      'asking POSSE to review job WO-1',
    );
    expect(err).toMatchObject({ code: 'CL_CONNECTOR_MISDIRECTED', retriable: false });
    expect(err.message).toContain('an interim 100 Continue the bridge did not ask for');
    expect(outageReason(err)).toBe('endpoint');
    expect(outageDetail(err)).toMatch(/^an answer outside HTTP\/1\.1 \(an interim 100 Continue not asked for\)/);
    expect(writes).toBe(1);
    await http.close();
  });
});

describe('the SDK HTTP client stopped while it connects', () => {
  // undici heeds a request's signal only once it is on a connection: a stop while the TLS
  // handshake went unanswered waited out the whole connect time-out (timeoutMs).
  it("ends a call still connecting at once on the caller's signal", async () => {
    const port = await rawServer(() => undefined).then((u) => new URL(u).port);
    const http = new HttpClient({ baseUrl: `https://127.0.0.1:${port}`, timeoutMs: 10_000 });
    const stop = new AbortController();
    const started = Date.now();
    setTimeout(() => stop.abort(new Error('stopping')), 50);
    const ended = await http.post('/jobs/1/notes', { note: 'x' }, { signal: stop.signal }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ended).toMatchObject({ message: 'stopping' });
    // Not closed here: closing waits for the handshake undici still has under way, which ends
    // when the server's sockets are destroyed after the test.
  });
});
