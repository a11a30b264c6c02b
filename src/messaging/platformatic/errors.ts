import { GenericError, MultipleErrors } from '@platformatic/kafka';
import { CloseloopError, messageOf, type ErrorCode } from '../../errors/index.ts';
import { FENCED_CAUSES } from '../fenced.ts';

interface Leaf {
  readonly code?: string;
  readonly apiId?: string;
  readonly canRetry?: boolean;
  readonly name?: string;
}

/** The errors at the bottom of platformatic's nesting (a retry gives up with all its attempts). */
function leaves(err: unknown, depth = 0): Leaf[] {
  if (depth > 6 || !err || typeof err !== 'object') return [];
  if (MultipleErrors.isMultipleErrors(err as Error) && (err as AggregateError).errors.length > 0) {
    return (err as AggregateError).errors.flatMap((e: unknown) => leaves(e, depth + 1));
  }
  return [err as Leaf];
}

const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTION_COORDINATOR_FENCED']);
/** A transaction's offsets refused for the member's standing in its group (KIP-447). */
const NOT_MEMBER = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);
const REFUSED = /AUTHORIZATION_FAILED$|^SASL_|^UNSUPPORTED_SASL|^ILLEGAL_SASL/;

function codeFor(err: unknown): ErrorCode {
  if (!(err instanceof Error) || !GenericError.isGenericError(err)) {
    // Not the client's own error (a socket error it did not wrap): an outage until shown otherwise.
    return 'CL_KAFKA_TRANSIENT';
  }
  const all = leaves(err);
  if (all.some((l) => l.apiId !== undefined && FENCED.has(l.apiId))) return 'CL_KAFKA_FENCED';
  if (all.some((l) => l.apiId !== undefined && NOT_MEMBER.has(l.apiId))) return 'CL_KAFKA_NOT_MEMBER';
  // The client's own "Unknown topic" (a metadata answer without it): as with the broker's
  // UNKNOWN_TOPIC_OR_PARTITION, the topic may be being created, so it is an outage, not bad data.
  if (all.some((l) => l.code === 'PLT_KFK_USER' && /^Unknown topic/.test(messageOf(l)))) return 'CL_KAFKA_TRANSIENT';
  // Credentials and ACLs do not heal by waiting.
  if (all.some((l) => l.code === 'PLT_KFK_AUTHENTICATION' || (l.apiId !== undefined && REFUSED.test(l.apiId)))) {
    return 'CL_KAFKA_FATAL';
  }
  // platformatic gives up after its own retries with every attempt's error; if each was worth
  // retrying (a time-out counts: it carries the network code), it is still an outage for us to
  // pause through, as a missing topic being created is.
  const transient = all.every((l) => l.canRetry === true || l.name === 'TimeoutError' || l.code === 'PLT_KFK_NETWORK');
  return transient ? 'CL_KAFKA_TRANSIENT' : 'CL_KAFKA_FATAL';
}

export function translatePlatformaticError(err: unknown, action: string): CloseloopError {
  if (err instanceof CloseloopError) return err;
  const code = codeFor(err);
  const apiIds = leaves(err).flatMap((l) => (l.apiId ? [l.apiId] : []));
  // The broker says "a newer producer" for both, and an operator looking for a second instance
  // that does not exist should hear of the other cause too.
  const why = code === 'CL_KAFKA_FENCED' ? ` ${FENCED_CAUSES}` : '';
  return new CloseloopError(code, `${action}: ${describe(err)}${why}`, {
    cause: err,
    details: { kafkaError: (err as Leaf | null)?.code ?? 'unknown', kafkaApiErrors: [...new Set(apiIds)] },
  });
}

/** The message with the nested errors' messages, which are where platformatic says what failed. */
function describe(err: unknown): string {
  const inner = leaves(err)
    .map((l) => messageOf(l))
    .filter((m) => m !== messageOf(err));
  return inner.length > 0 ? `${messageOf(err)} (${[...new Set(inner)].join('; ')})` : messageOf(err);
}

export async function guarded<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translatePlatformaticError(err, action);
  }
}
