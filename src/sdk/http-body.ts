/**
 * Reading an answer's body within bounds: a module of its own beside http-client.ts, which makes
 * the calls.
 */

/** The default cap on a 2xx answer's body: far above any page the connectors ask for. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** What of a refusal's body is read (the rest is dropped): enough for any error message. */
export const ERROR_BODY_BYTES = 64 * 1024;

interface Body extends AsyncIterable<Buffer | Uint8Array> {
  destroy(): unknown;
}

/**
 * The body as text, read until `limit` bytes at most: `over` when it is longer (the rest is not
 * read, and the connection is dropped rather than drained).
 */
export async function readCapped(body: Body, limit: number): Promise<{ text: string; over: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (size + bytes.length > limit) {
      chunks.push(bytes.subarray(0, limit - size));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), over: true };
    }
    chunks.push(bytes);
    size += bytes.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), over: false };
}
