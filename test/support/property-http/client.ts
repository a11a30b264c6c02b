/**
 * Requests as a fuzzer sends them: Node's http client, one connection each (no agent), the path
 * and header values written byte for byte (a string of latin1 characters is the bytes sent), and
 * whatever happens to the connection reported rather than thrown.
 */
import { request } from 'node:http';

export interface RawRequest {
  readonly method: string;
  /** The request target as sent: each character one byte (latin1). */
  readonly path: string;
  /** Sent in this order; a Host of its own replaces the client's. */
  readonly headers: readonly (readonly [string, string])[];
  /** False sends no Host at all. */
  readonly host: boolean;
  readonly body: string | null;
  readonly chunked: boolean;
}

export interface RawResponse {
  readonly status: number;
  /** Lower-case names, as Node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export type Outcome = { readonly ok: true; readonly res: RawResponse } | { readonly ok: false; readonly error: string };

const TIMEOUT_MS = 5_000;

export function send(base: string, r: RawRequest): Promise<Outcome> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      resolve(o);
    };
    let req;
    try {
      req = request({
        host: hostname,
        port,
        method: r.method,
        path: r.path,
        agent: false,
        // Raw, as rawHeaders are: a header given twice is sent twice.
        headers: [...hostOf(r, `${hostname}:${port}`), ...r.headers, ...framing(r)].flat(),
        timeout: TIMEOUT_MS,
      });
    } catch (err) {
      // The client itself refused to send it: the generator made something unsendable.
      finish({ ok: false, error: `client refused: ${(err as Error).message}` });
      return;
    }
    req.on('timeout', () => {
      req.destroy(new Error('timed out'));
    });
    req.on('error', (err) =>
      finish({ ok: false, error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}` }),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('aborted', () => finish({ ok: false, error: 'answer aborted' }));
      res.on('error', (err) => finish({ ok: false, error: `answer: ${err.message}` }));
      res.on('end', () =>
        finish({ ok: true, res: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) } }),
      );
    });
    if (r.body !== null) req.write(r.body, 'latin1');
    req.end();
  });
}

/** The client's own Host (which Node adds for an object of headers only), unless the request has one. */
function hostOf(r: RawRequest, own: string): [string, string][] {
  return r.host && !r.headers.some(([k]) => k.toLowerCase() === 'host') ? [['host', own]] : [];
}

/** How a body is framed: chunked, or its length (set before anything is sent, as Expect flushes). */
function framing(r: RawRequest): [string, string][] {
  if (r.body === null) return [];
  return r.chunked
    ? [['transfer-encoding', 'chunked']]
    : [['content-length', String(Buffer.byteLength(r.body, 'latin1'))]];
}

/** A plain GET, to see that the server still answers. */
export function plain(path: string): RawRequest {
  return { method: 'GET', path, headers: [], host: true, body: null, chunked: false };
}
