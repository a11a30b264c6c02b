import { CloseloopError, messageOf, type ErrorCode } from '../errors/index.ts';

export interface HttpFailure {
  readonly status?: number | undefined;
  /** A network error code such as ECONNREFUSED or ETIMEDOUT (HttpClient normalises undici's). */
  readonly code?: string | undefined;
  readonly message: string;
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
    const e = err as { response?: { status?: number }; code?: string; message?: string };
    return { status: e.response?.status, code: e.code, message: e.message ?? String(err) };
  }
  return { message: String(err) };
}

/**
 * The one rule every connector applies to an HTTP failure: 5xx, 408, 429, time-outs and dropped
 * connections are retriable (retry, then pause: never dead-letter an outage); 401 and 403 say the
 * bridge's credentials are refused, which no record can fix, so they pause the connector too
 * (CL_CONNECTOR_UNAUTHORIZED, without retrying the call); any other 4xx is a data error
 * (dead-letter the record, go on).
 */
export function classifyHttpError(err: unknown, what: string): CloseloopError {
  if (err instanceof CloseloopError) return err;
  const f = asFailure(err);
  const retriable =
    f.status === undefined
      ? f.code === undefined || NETWORK.has(f.code)
      : f.status >= 500 || f.status === 408 || f.status === 429;
  const unauthorized = f.status === 401 || f.status === 403;
  const code: ErrorCode = retriable
    ? 'CL_CONNECTOR_RETRIABLE'
    : unauthorized
      ? 'CL_CONNECTOR_UNAUTHORIZED'
      : 'CL_CONNECTOR_REJECTED';
  return new CloseloopError(code, `${what}: ${f.status ? `HTTP ${f.status}: ` : ''}${messageOf(err)}`, {
    cause: err,
    details: { httpStatus: f.status, errorCode: f.code },
  });
}

/** For a response that arrived but does not match the system's contract. */
export function malformedResponse(what: string, detail: string): CloseloopError {
  return new CloseloopError('CL_CONNECTOR_MALFORMED', `${what}: malformed response: ${detail}`);
}
