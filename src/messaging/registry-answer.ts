import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

/** A middleware of the registry client (mappersmith's, which the client runs requests through). */
type Middleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];
type Response = Awaited<ReturnType<NonNullable<ReturnType<Middleware>['response']>>>;
type Request = Parameters<NonNullable<ReturnType<Middleware>['response']>>[2];

/**
 * An answer that is not the registry's: something in front of it answered instead.
 * registry-errors.ts takes it for an unreachable registry (retriable), never for bad data.
 */
export class NotRegistryAnswer extends Error {
  override readonly name = 'NotRegistryAnswer';
}

/**
 * Per request (mappersmith hands every middleware the same final request), whether its 404 was
 * the registry's own. Read by registryAnswers, outside the client's error middleware, which keeps
 * only the status and message of a failed answer, not its body.
 */
const registryNotFound = new WeakMap<Request, boolean>();

/**
 * Whether a 404's body is the registry's "not found": Confluent's registry and its clones
 * (Apicurio's ccompat API, Karapace, Redpanda) answer one with JSON whose error_code is 404xx
 * (40401 subject, 40403 schema, ...). An unknown path gets a bare 404 or error_code 404, and a
 * proxy with no route to a restarting registry its own page (Traefik's `404 page not found`).
 */
function isRegistryNotFound(body: string | null): boolean {
  try {
    const code: unknown = (JSON.parse(body ?? '') as { error_code?: unknown } | null)?.error_code;
    return typeof code === 'number' && code >= 40400 && code <= 40499;
  } catch {
    return false;
  }
}

/** Reads each 404's body as it comes from the gateway, before the client's error middleware. */
const notFoundReader: Middleware = () => ({
  async response(next, _renew, request): Promise<Response> {
    try {
      return await next();
    } catch (answer) {
      const failed = answer as Partial<Response> | null;
      if (typeof failed?.status === 'function' && typeof failed.rawData === 'function' && failed.status() === 404) {
        registryNotFound.set(request, isRegistryNotFound(failed.rawData()));
      }
      throw answer;
    }
  },
});

/**
 * Puts the 404 reader first among the client's middleware: the innermost, it sees the answer as
 * the gateway gives it. The client appends the middleware it is given after its own error
 * middleware, where a body is no more; its mappersmith client keeps the list in `_manifest`.
 * Without the reader every 404 would read as a proxy's, and a schema id no one registered
 * would hold its partition for good: so a client not built so stops the start, here.
 */
export function readNotFoundAnswers(registry: SchemaRegistry): void {
  const client = (registry as unknown as { api?: { _manifest?: { middleware?: unknown } } }).api;
  const list = client?._manifest?.middleware;
  if (!Array.isArray(list)) {
    throw new Error("the schema registry client's middleware list is not where closeloop reads 404 answers from");
  }
  (list as Middleware[]).unshift(notFoundReader);
}

/**
 * Refuses an answer that is not the registry's. A successful one that is not its JSON: a
 * gateway's maintenance page or a single sign-on proxy's login page, answered 200 in the
 * registry's place. The client would try to read a schema out of it, fail, and the record would
 * be dead-lettered as one whose schema cannot be read, though the next answer may be the schema.
 * The client marks every answer as JSON itself, so what tells is the body: mappersmith parses a
 * JSON body into an object or an array, and leaves anything else as text. An answer for a schema
 * id must also hold the schema text. And a 404 that is not the registry's "not found" (see
 * isRegistryNotFound): a proxy whose registry is restarting would otherwise have every record of
 * a schema id not yet fetched dead-lettered as of an unknown schema. Nothing of the body goes
 * into the message: a page may say anything.
 */
export function registryAnswers(): Middleware {
  return ({ resourceName, resourceMethod }) => ({
    async response(next, _renew, request): Promise<Response> {
      let response: Response;
      try {
        response = await next();
      } catch (err) {
        if (statusOf(err) === 404 && registryNotFound.get(request) !== true) {
          throw new NotRegistryAnswer(
            `the answer to ${request.method().toUpperCase()} ${request.path()} (HTTP 404) is not the ` +
              `registry's "not found": is a gateway or proxy answering in its place?`,
            { cause: err },
          );
        }
        throw err;
      }
      const status = response.status();
      if (status < 200 || status >= 300) return response;
      const data: unknown = response.data();
      const json = data !== null && typeof data === 'object';
      const schema = resourceName !== 'Schema' || resourceMethod !== 'find' || hasSchema(data);
      if (json && schema) return response;
      throw new NotRegistryAnswer(
        `the answer to ${request.method().toUpperCase()} ${request.path()} (HTTP ${status}) is not the ` +
          `registry's ${json ? 'schema' : 'JSON'}: is a gateway or proxy answering in its place?`,
      );
    },
  });
}

// The client's error carries the answer's status (registry-errors.ts reads it the same way).
function statusOf(err: unknown): number | undefined {
  const status: unknown = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function hasSchema(data: unknown): boolean {
  return typeof (data as { schema?: unknown } | null)?.schema === 'string';
}
