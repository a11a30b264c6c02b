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

export function translateKafkaError(err: unknown, action: string): CloseloopError {
  if (err instanceof CloseloopError) return err;
  const k = asKafkaJs(err);
  const retriable = k ? isRetriable(k) : true;
  return new CloseloopError(retriable ? 'CL_KAFKA_TRANSIENT' : 'CL_KAFKA_FATAL', `${action}: ${messageOf(err)}`, {
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
