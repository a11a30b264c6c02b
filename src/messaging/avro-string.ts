import avro from 'avsc';

/** The parts of avsc's writing cursor a string's writer uses (avsc's own, undocumented in its types). */
interface WriteTap {
  /** Node's Buffer has had utf8Write, which Buffer#write calls after checking its arguments, since v0.x. */
  buf: Buffer & { utf8Write(s: string, offset: number, length: number): number };
  pos: number;
  writeLong(n: number): void;
}

const avscWrite = (avro.types.StringType.prototype as unknown as { _write(tap: WriteTap, val: unknown): void })._write;

/** The longest string whose UTF-8 length is surely one byte of Avro long (see _write). */
const SHORT = 21;

/**
 * Strings written with one native UTF-8 copy, whatever their length. avsc copies strings of more
 * than 64 bytes natively but encodes shorter ones in a JavaScript loop, a character at a time;
 * the short ones (ids, codes, states, names) are most of a status's and a ticket state's fields,
 * and the loop was the processor's largest single cost in encoding. The native copy encoded the
 * bench's outputs about a sixth faster. The bytes are avsc's for every well-formed string; a lone
 * surrogate, which avsc's loop would write as bytes no UTF-8 reader accepts, becomes U+FFFD, as
 * avsc already does for long strings.
 */
export class NativeStringType extends avro.types.StringType {
  _write(tap: WriteTap, val: unknown): void {
    // avsc's own check, and its error for a value that is not a string.
    if (typeof val !== 'string') return avscWrite.call(this, tap, val);
    // A short string is copied first and its length put before it after: one native call, not
    // two. Up to SHORT characters take at most 63 bytes (3 a UTF-16 unit), whose length is one
    // byte (zigzag 2n). Only where the longest it could be surely fits, so the copy is never cut.
    const at = tap.pos;
    if (val.length <= SHORT && at + 1 + 3 * val.length <= tap.buf.length) {
      const written = tap.buf.utf8Write(val, at + 1, 3 * val.length);
      tap.buf[at] = written << 1;
      tap.pos = at + 1 + written;
      return;
    }
    const length = Buffer.byteLength(val);
    tap.writeLong(length);
    const pos = tap.pos;
    tap.pos = pos + length;
    // Out of room: avsc's convention; the encoder sees the cursor past the end and grows its buffer.
    if (tap.pos > tap.buf.length) return;
    tap.buf.utf8Write(val, pos, length);
  }
}

/** avsc's typeHook: the primitive string, however the schema spells it, written natively. */
export function nativeStrings(schema: avro.Schema): avro.Type | undefined {
  const isString =
    schema === 'string' ||
    (typeof schema === 'object' && !Array.isArray(schema) && (schema as { type?: unknown }).type === 'string');
  return isString ? new NativeStringType() : undefined;
}
