import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';

/** Encodings an export may be in (the mapping's `encoding`); WHATWG labels, as TextDecoder takes. */
export const ENCODINGS = ['utf-8', 'windows-1252', 'latin1', 'utf-16le'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** What csv-parse turns a byte that is not UTF-8 into, and what a file may also hold as such. */
export const REPLACEMENT = '\uFFFD';

/**
 * The export's bytes on their way to csv-parse, which reads UTF-8.
 *
 * Another encoding is decoded here with TextDecoder (streaming, so a character split between two
 * chunks is whole) and passed on as UTF-8. "latin1" is read as windows-1252, as TextDecoder and
 * browsers do: the two differ only in 0x80–0x9F, where ISO-8859-1 has control characters and
 * Windows has the curly quotes and dashes exports are full of.
 *
 * UTF-8 passes through unchanged, and csv-parse makes each byte that is not UTF-8 a U+FFFD. A
 * U+FFFD can also be in the file itself (bytes EF BF BD, the scar of some earlier conversion) and
 * is then what the city wrote. To tell the two apart, the raw bytes of the records csv-parse has
 * not placed yet are kept, and a record with a U+FFFD has its own bytes checked (isUtf8). Checking
 * the record, not the file, rejects exactly the rows that lost characters; only they pay for the
 * check; and what is kept is dropped as records are placed, so it stays near the stream's buffers.
 */
export class ExportDecoder extends Transform {
  readonly #decoder: TextDecoder | null;
  readonly #kept: Buffer[] = [];
  /** File offset of the first kept byte. */
  #keptFrom = 0;
  #read = 0;

  constructor(encoding: Encoding) {
    super();
    this.#decoder = encoding === 'utf-8' ? null : new TextDecoder(encoding);
  }

  /** Whether csv-parse's byte offsets are the file's (UTF-8 passes unchanged). */
  get passesBytes(): boolean {
    return this.#decoder === null;
  }

  /** Bytes of the file read so far. */
  get bytesRead(): number {
    return this.#read;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#read += chunk.length;
    if (this.#decoder) {
      done(null, Buffer.from(this.#decoder.decode(chunk, { stream: true })));
      return;
    }
    this.#kept.push(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const rest = this.#decoder?.decode() ?? '';
    done(null, rest === '' ? undefined : Buffer.from(rest));
  }

  /** Whether the file's bytes from `from` to `to` are UTF-8; needs passesBytes and them kept. */
  isUtf8(from: number, to: number): boolean {
    const pieces: Buffer[] = [];
    let at = this.#keptFrom;
    for (const chunk of this.#kept) {
      const end = at + chunk.length;
      if (end > from && at < to) pieces.push(chunk.subarray(Math.max(0, from - at), Math.min(chunk.length, to - at)));
      at = end;
    }
    return isUtf8(Buffer.concat(pieces));
  }

  /** Drops the kept bytes before `offset`: every record up to it is placed. */
  forget(offset: number): void {
    for (let first = this.#kept[0]; first && this.#keptFrom + first.length <= offset; first = this.#kept[0]) {
      this.#keptFrom += first.length;
      this.#kept.shift();
    }
  }
}
