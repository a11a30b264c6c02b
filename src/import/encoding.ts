import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';

/** Encodings an export may be in (the mapping's `encoding`); WHATWG labels, as TextDecoder takes. */
export const ENCODINGS = ['utf-8', 'windows-1252', 'latin1', 'utf-16le'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** What a byte that is not UTF-8 is read as, and what a file may also hold as such. */
export const REPLACEMENT = '\uFFFD';

/** A byte of a UTF-8 export that is not UTF-8: where its U+FFFD is in the text, and in the file. */
export interface BadByte {
  /** Index in the piece's text. */
  readonly at: number;
  /** Offset in the file. */
  readonly byte: number;
}

/** A piece of the export as text, and the bytes of it that were not UTF-8. */
export interface DecodedPiece {
  readonly text: string;
  readonly bad: readonly BadByte[];
}

/** Bytes of the file read so far, for progress. */
export interface ReadCount {
  bytes: number;
}

const BOM = '\uFEFF';

/** How many of the file's first bytes are looked at for NULs between letters. */
const SNIFFED = 1024;

/**
 * Why the export's first bytes say it is not in the mapping's `encoding`, or null. Read in the
 * wrong one, the header is a mismatch listing names no one wrote (NUL bytes between the letters
 * of a UTF-16 file read as UTF-8), with nothing pointing to `encoding`. The mapping is not
 * overridden on a guess: it says what the city's exports are, and one that reads a file right by
 * luck would read the next one wrong. So the file is refused, naming the encoding to set.
 */
export function encodingMismatch(head: Buffer, encoding: Encoding): string | null {
  const set = (to: Encoding) => `: set the mapping's encoding to ${to} (it is ${encoding})`;
  const be =
    "UTF-16BE, which the import does not read: save the export as UTF-8 or UTF-16LE and set the mapping's encoding";
  if (head[0] === 0xfe && head[1] === 0xff) return `the file starts with the byte order mark of ${be}`;
  if (head[0] === 0xff && head[1] === 0xfe)
    return encoding === 'utf-16le'
      ? null
      : `the file starts with the byte order mark of UTF-16LE (as Excel's "Unicode Text" writes)${set('utf-16le')}`;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf)
    return encoding === 'utf-8' ? null : `the file starts with the byte order mark of UTF-8${set('utf-8')}`;
  // Text in UTF-16 with no byte order mark: a NUL beside each ASCII letter, after it (LE) or before it (BE).
  const n = Math.min(head.length, SNIFFED);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 1) {
    if (head[i] !== 0) continue;
    if (i % 2 === 0) even += 1;
    else odd += 1;
  }
  if (encoding !== 'utf-16le' && odd >= n / 4 && odd > 4 * even)
    return `the file has a NUL byte after every other byte, as UTF-16LE without a byte order mark has${set('utf-16le')}`;
  if (even >= n / 4 && even > 4 * odd) return `the file has a NUL byte before every other byte, as ${be}`;
  return null;
}

/**
 * The export's bytes as text.
 *
 * Another encoding is decoded with TextDecoder (streaming, so a character split between two
 * chunks is whole). "latin1" is read as windows-1252, as TextDecoder and browsers do: the two
 * differ only in 0x80–0x9F, where ISO-8859-1 has control characters and Windows has the curly
 * quotes and dashes exports are full of.
 *
 * UTF-8 is decoded here too, so that each byte that is not UTF-8 (an export in windows-1252
 * read as UTF-8) is told apart, by its place, from a U+FFFD the file itself holds (bytes EF BF
 * BD, the scar of some earlier conversion, which is what the city wrote). Nothing is kept of a
 * piece once it is passed on: a chunk that is all UTF-8 (nearly every one) is decoded whole.
 */
export async function* decodeExport(
  chunks: AsyncIterable<Buffer>,
  encoding: Encoding,
  count: ReadCount,
): AsyncGenerator<DecodedPiece> {
  const decoder = encoding === 'utf-8' ? null : new TextDecoder(encoding);
  let carried: Buffer = Buffer.alloc(0);
  let offset = 0;
  let first = true;
  for await (const chunk of chunks) {
    count.bytes += chunk.length;
    if (decoder) {
      const text = decoder.decode(chunk, { stream: true });
      yield { text: first ? dropBom(text) : text, bad: [] };
      first = false;
      continue;
    }
    let bytes: Buffer = carried.length > 0 ? Buffer.concat([carried, chunk]) : chunk;
    if (first && bytes.length < 3) {
      carried = bytes;
      continue;
    }
    if (first && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      bytes = bytes.subarray(3);
      offset = 3;
    }
    first = false;
    const cut = completeUpTo(bytes);
    yield decodeUtf8(bytes.subarray(0, cut), offset);
    offset += cut;
    carried = Buffer.from(bytes.subarray(cut));
  }
  if (decoder) {
    const rest = decoder.decode();
    if (rest !== '') yield { text: first ? dropBom(rest) : rest, bad: [] };
    return;
  }
  if (first && carried[0] === 0xef && carried[1] === 0xbb && carried[2] === 0xbf) {
    carried = carried.subarray(3);
    offset = 3;
  }
  if (carried.length > 0) yield decodeUtf8(carried, offset);
}

const dropBom = (text: string): string => (text.startsWith(BOM) ? text.slice(1) : text);

/** The bytes a UTF-8 sequence led by `lead` takes, or 0 when `lead` leads none. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Where a character the chunk holds only the start of begins (it is read with the next chunk). */
function completeUpTo(bytes: Buffer): number {
  for (let k = 1; k <= 3 && k <= bytes.length; k += 1) {
    const b = bytes[bytes.length - k] as number;
    if ((b & 0xc0) === 0x80) continue;
    const n = sequenceLength(b);
    return n > k ? bytes.length - k : bytes.length;
  }
  return bytes.length;
}

function decodeUtf8(bytes: Buffer, offset: number): DecodedPiece {
  if (isUtf8(bytes)) return { text: bytes.toString('utf8'), bad: [] };
  // Only a piece with a byte that is not UTF-8 is walked, one sequence at a time.
  const bad: BadByte[] = [];
  let text = '';
  let run = 0;
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i] as number;
    const n = sequenceLength(b);
    if (n === 1 || (n > 1 && i + n <= bytes.length && isUtf8(bytes.subarray(i, i + n)))) {
      i += n;
      continue;
    }
    text += bytes.toString('utf8', run, i);
    bad.push({ at: text.length, byte: offset + i });
    text += REPLACEMENT;
    i += 1;
    run = i;
  }
  text += bytes.toString('utf8', run);
  return { text, bad };
}

/**
 * Tells an export said to be in windows-1252 (or latin1) that is UTF-8 text, which would be read
 * without a word as mojibake ("Ã©glise" for "église", "â€™" for "’"): every byte is a character
 * in windows-1252. The first non-ASCII character decides it. In a UTF-8 file it is a whole UTF-8
 * sequence, which real windows-1252 text almost never makes: a lower-case accented letter
 * followed by two symbols, or "Â" or "Ã" by one. Text that is not UTF-8 fails at once. Any other
 * two-byte sequence ("É" followed by a non-breaking space) is left for the next to decide. Rows
 * before it are ASCII, the same in either encoding, so those already read stand.
 */
export class Utf8Sniff {
  readonly #encoding: Encoding;
  #carried: Buffer = Buffer.alloc(0);
  #offset = 0;
  #decided: boolean;

  constructor(encoding: Encoding) {
    this.#encoding = encoding;
    this.#decided = encoding !== 'windows-1252' && encoding !== 'latin1';
  }

  /** Why the file is UTF-8 after all, naming the bytes that tell, or null (so far). */
  push(chunk: Buffer): string | null {
    if (this.#decided) return null;
    const bytes = this.#carried.length > 0 ? Buffer.concat([this.#carried, chunk]) : chunk;
    const start = this.#offset - this.#carried.length;
    this.#offset += chunk.length;
    this.#carried = Buffer.alloc(0);
    for (let i = 0; i < bytes.length;) {
      const lead = bytes[i] as number;
      const n = sequenceLength(lead);
      if (n === 1) {
        i += 1;
        continue;
      }
      if (n > 1 && i + n > bytes.length) {
        this.#carried = Buffer.from(bytes.subarray(i));
        return null;
      }
      const sequence = bytes.subarray(i, i + n);
      if (n === 0 || !isUtf8(sequence)) return this.#decide(null);
      if (n > 2 || lead === 0xc2 || lead === 0xc3) return this.#decide(this.#problem(sequence, start + i));
      i += n;
    }
    return null;
  }

  #decide(problem: string | null): string | null {
    this.#decided = true;
    return problem;
  }

  #problem(sequence: Buffer, at: number): string {
    const hex = [...sequence].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
    return (
      `the file is UTF-8 text: bytes ${hex} at byte ${at} are "${sequence.toString('utf8')}" in UTF-8 and would be ` +
      `read as "${new TextDecoder(this.#encoding).decode(sequence)}" in ${this.#encoding}: set the mapping's ` +
      `encoding to utf-8 (it is ${this.#encoding})`
    );
  }
}
