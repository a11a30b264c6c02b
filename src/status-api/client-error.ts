import { maxHeaderSize, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { geoReportError } from './georeport.ts';
import { COMMON_HEADERS, CONTENT_TYPES } from './headers.ts';

/**
 * The sockets with an answer under way. An answer to a request that could not be parsed may go
 * only where none is: written in the middle of another, it would corrupt both. (Node's own check,
 * "nothing written yet", would leave every reused keep-alive connection without an answer.) So
 * it waits for the answers under way, which a pipelining client is owed for its valid requests.
 */
export class SocketsInUse {
  readonly #answers = new WeakMap<Duplex, number>();
  readonly #then = new WeakMap<Duplex, () => void>();

  add(socket: Duplex, res: ServerResponse): void {
    this.#answers.set(socket, (this.#answers.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (this.#answers.get(socket) ?? 1) - 1;
      this.#answers.set(socket, left);
      const then = left > 0 ? undefined : this.#then.get(socket);
      if (!then) return;
      this.#then.delete(socket);
      then();
    });
  }

  busy(socket: Duplex): boolean {
    return (this.#answers.get(socket) ?? 0) > 0;
  }

  /** Runs `then` now if no answer is under way on the socket, else once the last one is done. */
  whenIdle(socket: Duplex, then: () => void): void {
    if (this.busy(socket)) this.#then.set(socket, then);
    else then();
  }
}

// A request line starts with a method token and a space.
const REQUEST_LINE = /^[A-Z]+ /;

/**
 * Node counts the request line and the headers together against one limit. Where the line did
 * not end within the limit, the URL is what is too long (414); otherwise the headers are (431).
 * The data the parser choked on is the read it was given, which starts the request unless the
 * request came in several reads; then which part overflowed is not known, and 431 says what Node
 * measured.
 */
function tooLarge(raw: unknown): 414 | 431 {
  if (!Buffer.isBuffer(raw)) return 431;
  const head = raw.toString('latin1', 0, maxHeaderSize + 1);
  if (!REQUEST_LINE.test(head)) return 431;
  const lineEnd = head.indexOf('\n');
  return lineEnd === -1 || lineEnd >= maxHeaderSize ? 414 : 431;
}

function verdict(err: Error & { code?: string; rawPacket?: unknown }): [number, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW': {
      const status = tooLarge(err.rawPacket);
      return [status, status === 414 ? 'The URL is too long.' : 'The request headers are too large.'];
    }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'The request took too long to arrive.'];
    default:
      return [400, 'Malformed request.'];
  }
}

/**
 * The 'clientError' handler: a GeoReport error in JSON (the URL, and so the format asked for, may
 * not have been read), with the headers every answer has, then the connection is closed, as the
 * rest of what the client sent cannot be parsed. Behind an answer still under way (a request
 * pipelined after a valid one), it is sent once that answer is.
 */
export function answerClientError(err: Error, socket: Duplex, inUse: SocketsInUse): void {
  if ((err as { code?: string }).code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  inUse.whenIdle(socket, () => sendClientError(err, socket));
}

/**
 * Whether the request refused was a HEAD. An answer to a HEAD has no body (RFC 9110 §9.3.2): a
 * client reads none, and takes the body's bytes for the next answer or, as Node's does, for an
 * answer that is broken, so it never sees the status at all. The method is read first, so the
 * request the parser choked on starts after the last blank line that ends before the point it
 * choked at (the end of the head of a request pipelined before it; a head too large is choked on
 * past its own), or where the data starts. When that is not in the data at hand (a request that
 * came in several reads), it is not known, and the body is sent.
 */
function wasHead(err: Error & { rawPacket?: unknown; bytesParsed?: unknown }): boolean {
  const raw = err.rawPacket;
  if (!Buffer.isBuffer(raw)) return false;
  const at = typeof err.bytesParsed === 'number' ? err.bytesParsed : raw.length;
  const previous = at < 4 ? -1 : raw.lastIndexOf('\r\n\r\n', at - 4);
  const start = previous === -1 ? 0 : previous + 4;
  return raw.subarray(start, start + 5).toString('latin1') === 'HEAD ';
}

function sendClientError(err: Error, socket: Duplex): void {
  // The client went away meanwhile, or Node closed the connection after the answer under way.
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, text] = verdict(err);
  const body = JSON.stringify(geoReportError(status, text));
  const headers = {
    ...COMMON_HEADERS,
    'content-type': CONTENT_TYPES.json,
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  // Content-Length stays the GET's, as for every HEAD this API answers.
  socket.end(`${head.join('\r\n')}\r\n\r\n${wasHead(err) ? '' : body}`, () => socket.destroy());
}
