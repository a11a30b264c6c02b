import { CloseloopError, messageOf, type ErrorCode } from '../errors/index.ts';
import { NotRegistryAnswer } from './registry-answer.ts';

// mappersmith reports connection failures and time-outs as HTTP 400 with the socket error in
// the message, so the status alone cannot tell a dead registry from a bad request.
const NETWORK =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|Timeout|fetch failed/i;

export function registryStatus(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'status' in err && typeof err.status === 'number') return err.status;
  return undefined;
}

export function isNetworkFailure(err: unknown): boolean {
  const status = registryStatus(err);
  return (status === undefined || status === 400 || status === 408) && NETWORK.test(messageOf(err));
}

/**
 * Whether a failure of the registry client is the registry's (its answer, or none, or an answer
 * in its place) rather than the client failing on what the registry gave (a schema it cannot parse).
 */
export function isRegistryFailure(err: unknown): boolean {
  return (
    err instanceof CloseloopError ||
    err instanceof NotRegistryAnswer ||
    registryStatus(err) !== undefined ||
    isNetworkFailure(err)
  );
}

/** Maps a registry client failure to a catalog code; `notFound` says what a 404 means here. */
export function translateRegistryError(err: unknown, action: string, notFound: ErrorCode): CloseloopError {
  if (err instanceof CloseloopError) return err;
  const status = registryStatus(err);
  let code: ErrorCode;
  if (
    isNetworkFailure(err) ||
    err instanceof NotRegistryAnswer ||
    (status !== undefined && (status >= 500 || status === 429))
  ) {
    code = 'CL_SCHEMA_REGISTRY_UNAVAILABLE';
  } else if (status === 401 || status === 403 || status === 407) {
    // Rotated credentials or a changed ACL refuse every record alike: dead-lettering the records
    // met meanwhile would empty a healthy stream into the DLQ.
    code = 'CL_SCHEMA_REGISTRY_UNAUTHORIZED';
  } else if (status === 404) {
    code = notFound;
  } else if (status === 409) {
    code = 'CL_SCHEMA_INCOMPATIBLE';
  } else if (status === 422) {
    code = 'CL_SCHEMA_FILE_INVALID';
  } else if (status !== undefined) {
    code = 'CL_SCHEMA_REGISTRY_REJECTED';
  } else {
    code = 'CL_SCHEMA_REGISTRY_UNAVAILABLE';
  }
  // mappersmith words a socket error or a time-out as "closeloop - Error, status 400: …", though no
  // HTTP answer came: the operator is told what happened, not a status the registry never sent.
  const said = isNetworkFailure(err)
    ? `the registry did not answer: ${messageOf(err).replace(/^.*?Error, status 40[08]: /, '')}`
    : messageOf(err);
  return new CloseloopError(code, `${action}: ${said}`, {
    cause: err,
    details: { httpStatus: isNetworkFailure(err) ? undefined : status },
  });
}
