import { request, type Dispatcher } from 'undici';
import { CloseloopError } from '../errors/index.ts';
import { callLimit, untilAborted } from './call-limit.ts';
import { reasonExcerpt } from './error-excerpt.ts';
import { bodyText, DEFAULT_MAX_RESPONSE_BYTES, ERROR_BODY_BYTES, readCapped, UndecodableBody } from './http-body.ts';
import { proxyingAgent, refuseCredentialsIn } from './http-setup.ts';
import { parseRetryAfter } from './retry-after.ts';

/**
 * What a call is about, as its call site knows and no status can tell: `record` (the default)
 * when a refusal can be the fault of the one record it carries (a PUT of a ticket's status, a
 * POST of a new work order), `api` when it cannot (a collection query, a change feed, a health
 * probe): a 4xx to those says the base URL, a gateway or the system itself is wrong.
 */
export type CallAbout = 'record' | 'api';

/**
 * A failed call as classifyHttpError reads it: the answer's status when there was one, else the
 * network code (ECONNREFUSED, ECONNRESET, ETIMEDOUT...), with what the call was about and, for
 * a redirect, the origin it pointed to (never its path or query, which may carry a token).
 */
export class HttpCallError extends Error {
  readonly response: { readonly status: number } | undefined;
  readonly code: string | undefined;
  readonly about: CallAbout;
  readonly redirectedTo: string | undefined;
  /** What the answer's Retry-After asked for, in ms (see parseRetryAfter). */
  readonly retryAfterMs: number | undefined;
  /** The refusal's Content-Type: an HTML 404 is the web tier's, not the system's (see classifyHttpError). */
  readonly contentType: string | undefined;

  constructor(
    message: string,
    o: {
      status?: number;
      code?: string;
      cause?: unknown;
      about?: CallAbout;
      redirectedTo?: string;
      retryAfterMs?: number;
      contentType?: string;
    },
  ) {
    super(message, { cause: o.cause });
    this.name = 'HttpCallError';
    this.response = o.status === undefined ? undefined : { status: o.status };
    this.code = o.code;
    this.about = o.about ?? 'record';
    this.redirectedTo = o.redirectedTo;
    this.retryAfterMs = o.retryAfterMs;
    this.contentType = o.contentType;
  }
}

export interface HttpClientOptions {
  /** Relative paths are appended to it, as the systems' API roots are given (".../maximo"). */
  readonly baseUrl: string;
  /** For the whole call, from sending to the last byte of the answer. */
  readonly timeoutMs: number;
  /** Sent with every call (credentials among them: never logged). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Query parameters sent with every call (Maximo's lean=1), under those the call gives. */
  readonly params?: Readonly<Record<string, string | number>>;
  /**
   * The most a 2xx answer's body may hold, in bytes (DEFAULT_MAX_RESPONSE_BYTES when left out):
   * a longer one is refused as RESPONSE_TOO_LARGE, by its Content-Length before it is read or
   * once that many bytes came, so a runaway answer never sits whole in memory.
   */
  readonly maxResponseBytes?: number;
}

/**
 * A 2xx answer: its body as text, and what its headers say the body is, so an answer that does
 * not parse can be told apart (an HTML login page, a gzip body nobody asked for) without its body.
 */
export interface HttpAnswer {
  readonly data: string;
  readonly contentType?: string | undefined;
  readonly contentEncoding?: string | undefined;
}

/**
 * A text from a record (a correlation id, a reference) as a header value any HTTP client can send:
 * kept as it is when it is printable ASCII with no blank at either end, percent-encoded as a URI
 * component otherwise. undici refuses a control character or one past Latin-1 before anything is
 * sent, and a refused call would dead-letter its record for a header that only traces it.
 */
export function headerValue(text: string): string {
  return /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/.test(text) ? text : encodeURIComponent(text);
}

/**
 * An id as one segment of a URL's path, percent-encoded. "." and ".." are refused: URL parsing
 * takes them, encoded as %2E too, for "this" and "the parent" segment, so a call for ticket ".."
 * would reach another resource of the system (`/tickets/../status` is `/status`) and, answered
 * 2xx, count as done. A data error: the record is dead-lettered, naming the id.
 */
export function pathSegment(id: string): string {
  if (id === '.' || id === '..')
    throw new CloseloopError('CL_RECORD_INVALID', `"${id}" cannot be one segment of a URL path, as an id must be`, {
      details: { id },
    });
  return encodeURIComponent(id);
}

/** The code of an HttpCallError for a 2xx answer longer than maxResponseBytes. */
export const RESPONSE_TOO_LARGE = 'ERR_RESPONSE_TOO_LARGE';
/**
 * The code of an HttpCallError for an answer outside HTTP/1.1 (an interim 100 Continue not asked
 * for): no outage to retry, since each retry is sent and may be applied again, but a server or a
 * proxy in front of it to fix (CL_CONNECTOR_MISDIRECTED).
 */
export const BAD_RESPONSE = 'ERR_HTTP_BAD_RESPONSE';
/** The code of an HttpCallError for a 2xx answer that is not text in the charset it declares. */
export const RESPONSE_UNDECODABLE = 'ERR_RESPONSE_UNDECODABLE';

export interface CallOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Added to the client's default parameters, the call's winning on the same name. A parameter
   * the URL already carries (a next page the system gave) is not added again.
   */
  readonly params?: Readonly<Record<string, string | number>>;
  /** See CallAbout; `record` when left out. */
  readonly about?: CallAbout;
  /**
   * Ends the call early, as the time-out does (the failure is a retriable time-out): pass the
   * runner's signal (a sink's deliver gets one) so a stop does not wait for an answer.
   */
  readonly signal?: AbortSignal;
  /**
   * Refuse a 2xx answer that is not text in the charset it declares (RESPONSE_UNDECODABLE, then
   * CL_CONNECTOR_MALFORMED) instead of reading such bytes as U+FFFD. Off by default: a write's
   * answer that echoes a description in Windows-1252 under a UTF-8 label was still applied, and a
   * feed page's changes are checked one by one (readChanges dead-letters a change whose text
   * holds U+FFFD), so one bad byte fails neither a done write nor the whole page.
   */
  readonly strictText?: boolean;
}

type Method = 'GET' | 'PUT' | 'POST';

// undici's codes for a connection that failed, closed or timed out, as the network codes the
// error rule knows: each is an outage to wait out, never a reason to dead-letter a record.
const NETWORK_CODES: Readonly<Record<string, string>> = {
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_HEADERS_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_BODY_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_CLOSED: 'ECONNRESET',
  UND_ERR_DESTROYED: 'ECONNRESET',
};

/**
 * An external system's JSON API over undici, with a keep-alive connection pool of its own: the
 * body comes back as text (callJson parses and checks it), a status outside 2xx and every
 * network failure as an HttpCallError. It costs about a third of the CPU per call that axios did
 * (bench: the full path spends a third of a core on HTTP at 1,000 events/s).
 */
export class HttpClient {
  readonly #o: HttpClientOptions;
  readonly #agent: Dispatcher;

  constructor(options: HttpClientOptions) {
    refuseCredentialsIn(options.baseUrl);
    this.#o = options;
    this.#agent = proxyingAgent(options.timeoutMs);
  }

  get(path: string, o: CallOptions = {}): Promise<HttpAnswer> {
    return this.#call('GET', path, undefined, o);
  }

  put(path: string, body: unknown, o: CallOptions = {}): Promise<HttpAnswer> {
    return this.#call('PUT', path, body, o);
  }

  post(path: string, body: unknown, o: CallOptions = {}): Promise<HttpAnswer> {
    return this.#call('POST', path, body, o);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #call(method: Method, path: string, body: unknown, o: CallOptions): Promise<HttpAnswer> {
    const url = this.#url(path, { ...this.#o.params, ...o.params });
    const headers: Record<string, string> = { ...this.#o.headers, ...o.headers };
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
    const limit = callLimit(this.#o.timeoutMs, o.signal);
    try {
      const res = await untilAborted(
        request(url, {
          method,
          headers,
          body: body === undefined ? null : JSON.stringify(body),
          dispatcher: this.#agent,
          signal: limit.signal,
        }),
        limit.signal,
      );
      const status = res.statusCode;
      const contentType = headerText(res.headers['content-type']);
      if (status >= 200 && status <= 299)
        return {
          data: await this.#okBody(res, url, contentType, headerText(res.headers['content-encoding']), o),
          contentType,
          contentEncoding: headerText(res.headers['content-encoding']),
        };
      // A refusal's body is read only so far: what matters of it is at its start.
      const refusal = bodyText((await readCapped(res.body, ERROR_BODY_BYTES)).bytes, contentType, false);
      if (status >= 300 && status <= 399) {
        // undici follows no redirect, and must not: the credentials would go wherever it points.
        const to = originOf(res.headers['location'], url);
        // A 304 is no redirect: the client never asks conditionally, so a cache in front answered.
        const said =
          status === 304
            ? 'Not Modified, though the call was not conditional (no If-None-Match or If-Modified-Since)'
            : `Request redirected with status code ${status}${to ? ` to ${to}` : ''}`;
        throw new HttpCallError(said, {
          status,
          about: o.about ?? 'record',
          ...(to ? { redirectedTo: to } : {}),
        });
      }
      // A 429 or 503 may say how long to stay away; the retry and the pause honour it.
      const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
      // The system's own reason goes with the status (into a dead letter's message): bounded,
      // without contact data, and without the bridge's credentials should the system echo them.
      const reason = reasonExcerpt(refusal, secretsOf(headers));
      throw new HttpCallError(`Request failed with status code ${status}${reason ? `: ${reason}` : ''}`, {
        status,
        about: o.about ?? 'record',
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...(contentType === undefined ? {} : { contentType }),
      });
    } catch (err) {
      throw failure(err, o.about ?? 'record');
    } finally {
      limit.release();
    }
  }

  /**
   * A 2xx answer's body, within maxResponseBytes (see HttpClientOptions), as text in the charset
   * its Content-Type declares: bytes that are not text in it are U+FFFD, or RESPONSE_UNDECODABLE
   * for a call that asks for strictText. A body compressed unasked is no text at all; read
   * leniently, it fails to parse, named by its encoding.
   */
  async #okBody(
    res: Dispatcher.ResponseData,
    url: string,
    contentType: string | undefined,
    encoding: string | undefined,
    o: CallOptions,
  ): Promise<string> {
    const max = this.#o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const length = Number(res.headers['content-length'] ?? Number.NaN);
    const read = length > max ? null : await readCapped(res.body, max);
    if (read !== null && !read.over) {
      try {
        const text = encoding === undefined || /^identity$/i.test(encoding);
        return bodyText(read.bytes, contentType, text && o.strictText === true);
      } catch (err) {
        if (!(err instanceof UndecodableBody)) throw err;
        throw new HttpCallError(err.message, { code: RESPONSE_UNDECODABLE, cause: err });
      }
    }
    res.body.destroy();
    throw new HttpCallError(
      `the answer from ${new URL(url).origin} is longer than the ${max} bytes allowed (maxResponseBytes)`,
      { code: RESPONSE_TOO_LARGE },
    );
  }

  /**
   * As axios joined them: a relative path is appended to the base, an absolute URL kept; the
   * parameters go after any the URL carries, but for those it already names.
   */
  #url(path: string, params: Readonly<Record<string, string | number>>): string {
    const base = /^https?:\/\//i.test(path)
      ? path
      : `${this.#o.baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
    const carried = new URLSearchParams(base.split('#')[0]?.split('?')[1] ?? '');
    const query = new URLSearchParams(
      Object.entries(params)
        .filter(([k]) => !carried.has(k))
        .map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    return query === '' ? base : `${base}${base.includes('?') ? '&' : '?'}${query}`;
  }
}

const CREDENTIAL_HEADER = /auth|key|token|secret|cookie|session|password/i;

/** The credential headers' values the bridge sent, and a scheme's credential alone ("Bearer <token>"). */
function secretsOf(headers: Readonly<Record<string, string>>): string[] {
  return Object.entries(headers)
    .filter(([name]) => CREDENTIAL_HEADER.test(name))
    .flatMap(([, v]) => [v, v.split(/\s+/).pop() ?? '']);
}

/** A header's value as one string (repeated ones joined), or undefined when it is absent or blank. */
function headerText(value: string | string[] | undefined): string | undefined {
  const text = (Array.isArray(value) ? value.join(', ') : value)?.trim();
  return text ? text : undefined;
}

/** The origin of a Location header (relative ones resolve against the call), or undefined. */
function originOf(location: string | string[] | undefined, url: string): string | undefined {
  const value = Array.isArray(location) ? location[0] : location;
  if (!value) return undefined;
  try {
    const origin = new URL(value, url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

function failure(err: unknown, about: CallAbout): HttpCallError {
  if (err instanceof HttpCallError) return err;
  // The call's own time limit (AbortSignal.timeout) ends it with a TimeoutError.
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return new HttpCallError(`timed out: ${err.message}`, { code: 'ETIMEDOUT', cause: err, about });
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  // undici ends the connection with a SocketError "bad response" when the server answers outside
  // HTTP/1.1's rules: an interim 100 Continue to a request that sent no Expect (some IIS and Java
  // stacks do), or an answer to no request. The request was sent, and a write likely applied.
  if (code === 'UND_ERR_SOCKET' && message === 'bad response')
    return new HttpCallError(
      'the system answered outside HTTP/1.1 (an interim 100 Continue the bridge did not ask for, or an answer to no request)',
      { code: BAD_RESPONSE, cause: err, about },
    );
  return new HttpCallError(message, { ...(code ? { code: NETWORK_CODES[code] ?? code } : {}), cause: err, about });
}

/** The code of the error or of what caused it (a refused connect keeps the system's ECONNREFUSED). */
function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
