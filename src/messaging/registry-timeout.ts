import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

/** A middleware of the registry client (mappersmith's, which the client runs requests through). */
type Middleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];
type PrepareRequest = NonNullable<ReturnType<Middleware>['prepareRequest']>;

/**
 * Gives every registry request a deadline unless it has one: without it, a registry that takes
 * the connection and never answers holds the caller for good. The client then fails with
 * "Timeout (N ms)", which registry-errors.ts takes for an unreachable registry (retriable).
 * mappersmith ships the same as TimeoutMiddleware, but its ESM typings do not match the CJS
 * ones the client is typed with; the contract is these few lines.
 */
export function registryTimeout(ms: number): Middleware {
  const prepareRequest: PrepareRequest = async (next) => {
    const request = await next();
    return request.timeout() ? request : request.enhance({ timeout: ms });
  };
  return () => ({ prepareRequest });
}
