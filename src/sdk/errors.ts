import { CloseloopError, messageOf, type ErrorCode } from '../errors/index.ts';
import type { CallAbout } from './http-client.ts';

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
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_CANCELED',
]);

function asFailure(err: unknown): HttpFailure {
  if (err && typeof err === 'object') {
    const e = err as {
      response?: { status?: number };
      code?: string;
      message?: string;
      about?: unknown;
      redirectedTo?: unknown;
      retryAfterMs?: unknown;
    };
    return {
      status: e.response?.status,
      code: e.code,
      message: e.message ?? String(err),
      about: e.about === 'api' ? 'api' : 'record',
      redirectedTo: typeof e.redirectedTo === 'string' ? e.redirectedTo : undefined,
      retryAfterMs: typeof e.retryAfterMs === 'number' ? e.retryAfterMs : undefined,
    };
  }
  return { message: String(err), about: 'record' };
}

/**
 * The one rule every connector applies to an HTTP failure: 5xx, 408, 429, time-outs and dropped
 * connections are retriable (retry, then pause: never dead-letter an outage), with the answer's
 * Retry-After as details.retryAfterMs, which the retries and the pause wait at least; 401 and 403 say the
 * bridge's credentials are refused, which no record can fix, so they pause the connector too
 * (CL_CONNECTOR_UNAUTHORIZED, without retrying the call). A redirect (3xx: a URL moved to https,
 * an SSO gateway sending the bridge to its login page) and any other 4xx to a call about the API
 * rather than one record (a 404 "context root not found" to a collection query while the system
 * restarts) say the endpoint is wrong, which no record can fix either: CL_CONNECTOR_MISDIRECTED
 * pauses the connector. Only another 4xx to a call about a record is a data error (dead-letter
 * the record, go on).
 */
export function classifyHttpError(err: unknown, what: string): CloseloopError {
  if (err instanceof CloseloopError) return err;
  const f = asFailure(err);
  const status = f.status;
  const retriable =
    status === undefined
      ? f.code === undefined || NETWORK.has(f.code)
      : status >= 500 || status === 408 || status === 429;
  const unauthorized = status === 401 || status === 403;
  const misdirected =
    status !== undefined && status < 500 && !retriable && !unauthorized && (status < 400 || f.about === 'api');
  const code: ErrorCode = retriable
    ? 'CL_CONNECTOR_RETRIABLE'
    : unauthorized
      ? 'CL_CONNECTOR_UNAUTHORIZED'
      : misdirected
        ? 'CL_CONNECTOR_MISDIRECTED'
        : 'CL_CONNECTOR_REJECTED';
  return new CloseloopError(code, `${what}: ${status ? `HTTP ${status}: ` : ''}${messageOf(err)}`, {
    cause: err,
    details: {
      httpStatus: status,
      errorCode: f.code,
      ...(f.redirectedTo === undefined ? {} : { redirectedTo: f.redirectedTo }),
      // Only an outage waits: a data error is dead-lettered at once whatever the system says.
      ...(retriable && f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
    },
  });
}

/** For a response that arrived but does not match the system's contract. */
export function malformedResponse(what: string, detail: string): CloseloopError {
  return new CloseloopError('CL_CONNECTOR_MALFORMED', `${what}: malformed response: ${detail}`);
}
