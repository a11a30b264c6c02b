import { CloseloopError, messageOf } from '../errors/index.ts';

interface KafkaJsLikeError {
  name: string;
  retriable?: boolean;
  type?: string;
  originalError?: unknown;
  cause?: unknown;
}

function asKafkaJs(err: unknown): KafkaJsLikeError | undefined {
  if (
    err &&
    typeof err === 'object' &&
    'name' in err &&
    typeof err.name === 'string' &&
    err.name.startsWith('KafkaJS')
  ) {
    return err as KafkaJsLikeError;
  }
  return undefined;
}

// kafkajs marks "retries exhausted" as non-retriable even when each attempt failed for a
// transient reason. For us that is still an outage to pause through, not bad data.
function isRetriable(err: unknown, depth = 0): boolean {
  const k = asKafkaJs(err);
  if (!k || depth > 4) return false;
  if (k.retriable === true) return true;
  return isRetriable(k.originalError, depth + 1) || isRetriable(k.cause, depth + 1);
}

const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTION_COORDINATOR_FENCED']);

function isFenced(err: unknown, depth = 0): boolean {
  const k = asKafkaJs(err);
  if (!k || depth > 4) return false;
  if (k.type !== undefined && FENCED.has(k.type)) return true;
  return isFenced(k.originalError, depth + 1) || isFenced(k.cause, depth + 1);
}

export function translateKafkaError(err: unknown, action: string): CloseloopError {
  if (err instanceof CloseloopError) return err;
  const k = asKafkaJs(err);
  const retriable = k ? isRetriable(k) : true;
  const code = isFenced(err) ? 'CL_KAFKA_FENCED' : retriable ? 'CL_KAFKA_TRANSIENT' : 'CL_KAFKA_FATAL';
  return new CloseloopError(code, `${action}: ${messageOf(err)}`, {
    cause: err,
    details: { kafkaError: k?.name ?? 'unknown', kafkaErrorType: k?.type },
  });
}

export async function guarded<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateKafkaError(err, action);
  }
}
