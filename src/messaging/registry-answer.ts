import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

/** A middleware of the registry client (mappersmith's, which the client runs requests through). */
type Middleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];
type Response = Awaited<ReturnType<NonNullable<ReturnType<Middleware>['response']>>>;

/**
 * A successful answer that is not the registry's: something in front of it answered instead.
 * registry-errors.ts takes it for an unreachable registry (retriable), never for bad data.
 */
export class NotRegistryAnswer extends Error {
  override readonly name = 'NotRegistryAnswer';
}

/**
 * Refuses a successful answer that is not the registry's JSON: a gateway's maintenance page or a
 * single sign-on proxy's login page, answered 200 in the registry's place. The client would try
 * to read a schema out of it, fail, and the record would be dead-lettered as one whose schema
 * cannot be read, though the next answer may be the schema. The client marks every answer as
 * JSON itself, so what tells is the body: mappersmith parses a JSON body into an object or an
 * array, and leaves anything else as text. An answer for a schema id must also hold the schema
 * text. Nothing of the body goes into the message: a page may say anything.
 */
export function registryAnswers(): Middleware {
  return ({ resourceName, resourceMethod }) => ({
    async response(next): Promise<Response> {
      const response = await next();
      const status = response.status();
      if (status < 200 || status >= 300) return response;
      const data: unknown = response.data();
      const json = data !== null && typeof data === 'object';
      const schema = resourceName !== 'Schema' || resourceMethod !== 'find' || hasSchema(data);
      if (json && schema) return response;
      const request = response.request();
      throw new NotRegistryAnswer(
        `the answer to ${request.method().toUpperCase()} ${request.path()} (HTTP ${status}) is not the ` +
          `registry's ${json ? 'schema' : 'JSON'}: is a gateway or proxy answering in its place?`,
      );
    },
  });
}

function hasSchema(data: unknown): boolean {
  return typeof (data as { schema?: unknown } | null)?.schema === 'string';
}
