import { MIMEType, TextDecoder } from 'node:util';

/**
 * Reading an answer's body within bounds, and as the text its Content-Type says: a module of its
 * own beside http-client.ts, which makes the calls.
 */

/** The default cap on a 2xx answer's body: far above any page the connectors ask for. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** What of a refusal's body is read (the rest is dropped): enough for any error message. */
export const ERROR_BODY_BYTES = 64 * 1024;

interface Body extends AsyncIterable<Buffer | Uint8Array> {
  destroy(): unknown;
}

/**
 * The body's bytes, read until `limit` bytes at most: `over` when it is longer (the rest is not
 * read, and the connection is dropped rather than drained). Decode them with bodyText.
 */
export async function readCapped(body: Body, limit: number): Promise<{ bytes: Buffer; over: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (size + bytes.length > limit) {
      chunks.push(bytes.subarray(0, limit - size));
      body.destroy();
      return { bytes: Buffer.concat(chunks), over: true };
    }
    chunks.push(bytes);
    size += bytes.length;
  }
  return { bytes: Buffer.concat(chunks), over: false };
}

/** The charset an answer's Content-Type declares, or undefined (none, or a type that does not parse). */
export function declaredCharset(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  try {
    return new MIMEType(contentType).params.get('charset') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * A body's bytes as text in the charset its Content-Type declares (UTF-8 when it declares none,
 * as JSON is written: RFC 8259), a byte-order mark dropped. Text is never guessed at: with
 * `strict`, a charset no decoder knows, or bytes that are not text in it, throw UndecodableBody;
 * without it (the client's default, see CallOptions.strictText) such bytes become U+FFFD, which
 * readChanges dead-letters a feed's change for, and an unknown charset is read as UTF-8.
 */
export function bodyText(bytes: Buffer, contentType: string | undefined, strict: boolean): string {
  const charset = declaredCharset(contentType) ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: strict });
  } catch {
    if (strict) throw new UndecodableBody(charset, 'a charset no decoder knows');
    decoder = new TextDecoder('utf-8');
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new UndecodableBody(charset, 'bytes that are not text in it');
  }
}

/** An answer whose body cannot be read as the text its Content-Type says (see bodyText). */
export class UndecodableBody extends Error {
  readonly charset: string;

  constructor(charset: string, why: string) {
    super(`not ${charset} text (${why})`);
    this.name = 'UndecodableBody';
    this.charset = charset;
  }
}
