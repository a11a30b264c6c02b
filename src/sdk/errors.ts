import { CloseloopError, messageOf, type ErrorCode } from '../errors/index.ts';
import { BAD_RESPONSE, RESPONSE_TOO_LARGE, RESPONSE_UNDECODABLE, type CallAbout } from './http-client.ts';

export interface HttpFailure {
  readonly status?: number | undefined;
  /** A network error code such as ECONNREFUSED or ETIMEDOUT (HttpClient normalises undici's). */
  readonly code?: string | undefined;
  readonly message: string;
  /** What the call was about (see CallAbout); `record` when the error does not say. */
  readonly about: CallAbout;
  /** A redirect's target origin, never its path or query. */
  readonly redirectedTo?: string | undefined;
  /** How long the system asked the bridge to stay away (Retry-After), in ms. */
  readonly retryAfterMs?: number | undefined;
  /** The refusal's Content-Type, as HttpCallError carries it. */
  readonly contentType?: string | undefined;
}

/**
 * A TLS failure: the system's certificate is not trusted (self-signed, expired, another host's),
 * or the handshake met something that is no TLS (https to a plain http port). Retrying changes
 * none of it and no record causes it: a certificate or a base URL to fix.
 */
const TLS = /^(?:ERR_SSL_|ERR_OSSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH$|EPROTO$)/;
/** A handshake that took too long is slowness, like any other time-out. */
const TLS_TRANSIENT = new Set(['ERR_TLS_HANDSHAKE_TIMEOUT']);
/**
 * A request that could not even be built from what it carries (a URL or header value the call
 * cannot send): no system was asked, and the values may be the record's.
 */
const UNSENDABLE = /^(?:ERR_INVALID_|UND_ERR_INVALID_ARG$)/;

/**
 * A 4xx that says to come back later: a time-out, a lock (423 Locked), a request the server would
 * not risk replaying yet (425 Too Early, while a TLS early-data handshake completes), a throttle.
 */
const RETRIABLE_4XX: ReadonlySet<number> = new Set([408, 423, 425, 429]);
/**
 * The bridge's credentials refused: by the system (401, 403) or by a proxy in front of it (407
 * Proxy Authentication Required). No record can fix either.
 */
const UNAUTHORIZED: ReadonlySet<number> = new Set([401, 403, 407]);

/**
 * Statuses a web tier answers for a path its application does not serve, rather than the system
 * for one of its items: a route not found, a method not allowed.
 */
const ROUTE_STATUSES: ReadonlySet<number> = new Set([404, 405]);

/** An HTML media type: text/html, application/xhtml+xml. */
const HTML_TYPE = /^\s*(?:text\/html|application\/xhtml\+xml)\s*(?:;|$)/i;

/**
 * Whether a refusal was answered by the web tier in front of the system rather than by its API:
 * a 404 or 405 in HTML (an application server's "Context root /posse not found" page while the
 * application restarts, a proxy's page for a path it does not route). Only HTML says so: an API's
 * own "no such item" comes as JSON, as plain text (Express's `res.sendStatus(404)` answers "Not
 * Found" in text/plain) or with no body at all, and taking those for the web tier would make a
 * missing item an outage that pauses the connector every cycle.
 */
function webTierAnswer(f: HttpFailure): boolean {
  return (
    f.status !== undefined &&
    ROUTE_STATUSES.has(f.status) &&
    f.contentType !== undefined &&
    HTML_TYPE.test(f.contentType)
  );
}

/** Whether a failure with no HTTP answer was a TLS failure (see TLS). */
function isTlsFailure(code: string | undefined): boolean {
  return code !== undefined && TLS.test(code) && !TLS_TRANSIENT.has(code);
}

function asFailure(err: unknown): HttpFailure {
  if (err && typeof err === 'object') {
    const e = err as {
      response?: { status?: number };
      code?: string;
      message?: string;
      about?: unknown;
      redirectedTo?: unknown;
      retryAfterMs?: unknown;
      contentType?: unknown;
    };
    return {
      status: e.response?.status,
      code: e.code,
      message: e.message ?? String(err),
      about: e.about === 'api' ? 'api' : 'record',
      redirectedTo: typeof e.redirectedTo === 'string' ? e.redirectedTo : undefined,
      retryAfterMs: typeof e.retryAfterMs === 'number' ? e.retryAfterMs : undefined,
      contentType: typeof e.contentType === 'string' ? e.contentType : undefined,
    };
  }
  return { message: String(err), about: 'record' };
}

/**
 * The one rule every connector applies to an HTTP failure: 5xx, 408, 423, 425, 429, time-outs,
 * dropped connections and every other failure that left no HTTP answer (a reset, an answer that is
 * no HTTP) are retriable (retry, then pause: never dead-letter an outage), with the answer's
 * Retry-After as details.retryAfterMs, which the retries and the pause wait at least (423 Locked:
 * someone else holds the item, and a lock clears when they let go); 401 and 403 say the bridge's
 * credentials are refused, and 407 that a proxy in front of the system refused them, which no
 * record can fix, so they pause the connector too (CL_CONNECTOR_UNAUTHORIZED, without retrying the
 * call). A redirect (3xx: a URL moved to https, an SSO gateway sending the bridge to its login
 * page) and any other 4xx to a call about the API rather than one record (a 404 "context root not
 * found" to a collection query while the system restarts) say the endpoint is wrong, which no
 * record can fix either: CL_CONNECTOR_MISDIRECTED pauses the connector. So does a 404 or 405 to a
 * call about a record answered in HTML (an application server's "Context root not found" page
 * while it restarts): the web tier in front of the system answered, not the system. So does
 * a TLS failure (an untrusted or expired certificate, https to a plain http port), with its code
 * in details.errorCode for the operator, and an answer outside HTTP/1.1 (an interim 100 Continue
 * not asked for), which every try meets and may apply anew. Only another 4xx to a call about a
 * record is a data error (dead-letter the record, go on), and so is a request that could not be
 * built from what it carries (ERR_INVALID_URL, an invalid header value). A 409's Retry-After is
 * kept too, though the 409 stays a data error here: only the connector can tell a lock (another
 * user editing the item, which clears) from a conflict of the record's own, and one that tells a
 * lock so (the CRM's) waits as long as the system asked.
 */
export function classifyHttpError(err: unknown, what: string): CloseloopError {
  if (err instanceof CloseloopError) return err;
  const f = asFailure(err);
  // An answer too long to read is a broken answer, never the record's fault: retried, then paused.
  if (f.status === undefined && f.code === RESPONSE_TOO_LARGE)
    return new CloseloopError('CL_CONNECTOR_MALFORMED', `${what}: malformed response: ${f.message}`, {
      cause: err,
      details: { errorCode: f.code, malformed: 'longer than maxResponseBytes' },
    });
  // Nor is one that is not text in the charset it declares: never guessed at, never garbled.
  if (f.status === undefined && f.code === RESPONSE_UNDECODABLE)
    return new CloseloopError('CL_CONNECTOR_MALFORMED', `${what}: malformed response: ${f.message}`, {
      cause: err,
      details: { errorCode: f.code, malformed: bounded(f.message) },
    });
  // An answer outside HTTP/1.1 (an interim 100 Continue not asked for) comes again at every try,
  // and each try is sent and may be applied: a server or proxy to fix, not an outage to retry.
  if (f.status === undefined && f.code === BAD_RESPONSE)
    return new CloseloopError('CL_CONNECTOR_MISDIRECTED', `${what}: ${f.message}`, {
      cause: err,
      details: {
        errorCode: f.code,
        why: 'an answer outside HTTP/1.1 (an interim 100 Continue not asked for): the system or a proxy in front of it answers so; a write may have been applied',
      },
    });
  const status = f.status;
  const tls = status === undefined && isTlsFailure(f.code);
  const unsendable = status === undefined && f.code !== undefined && UNSENDABLE.test(f.code);
  const retriable = status === undefined ? !tls && !unsendable : status >= 500 || RETRIABLE_4XX.has(status);
  const unauthorized = status !== undefined && UNAUTHORIZED.has(status);
  const misdirected =
    tls ||
    (status !== undefined &&
      status < 500 &&
      !retriable &&
      !unauthorized &&
      (status < 400 || f.about === 'api' || webTierAnswer(f)));
  const code: ErrorCode = retriable
    ? 'CL_CONNECTOR_RETRIABLE'
    : unauthorized
      ? 'CL_CONNECTOR_UNAUTHORIZED'
      : misdirected
        ? 'CL_CONNECTOR_MISDIRECTED'
        : 'CL_CONNECTOR_REJECTED';
  const prefix = status ? `HTTP ${status}: ` : tls ? `TLS failure ${f.code ?? ''}: ` : '';
  return new CloseloopError(code, `${what}: ${prefix}${messageOf(err)}`, {
    cause: err,
    details: {
      httpStatus: status,
      errorCode: f.code,
      ...(tls ? { tls: true } : {}),
      // What the web tier answered in, for the operator: a header, never the body.
      ...(misdirected && webTierAnswer(f) ? { contentType: bounded(f.contentType ?? '') } : {}),
      ...(f.redirectedTo === undefined ? {} : { redirectedTo: f.redirectedTo }),
      // Only an outage waits, and a conflict a connector may read as a lock: any other data error
      // is dead-lettered at once whatever the system says.
      ...((retriable || status === 409) && f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
    },
  });
}

/**
 * For a response that arrived but does not match the system's contract. `shown`, when given, is
 * what an operator may be told of it (details.malformed, in readiness and the pause's log line):
 * built from its headers or the contract's field names only, never from the body, which may echo
 * what the bridge sent.
 */
export function malformedResponse(what: string, detail: string, shown?: string): CloseloopError {
  return new CloseloopError('CL_CONNECTOR_MALFORMED', `${what}: malformed response: ${detail}`, {
    ...(shown === undefined ? {} : { details: { malformed: shown } }),
  });
}

/** A header's value as an operator is shown it: at most 100 characters. */
export function bounded(value: string): string {
  return value.length > 100 ? `${value.slice(0, 99)}…` : value;
}
