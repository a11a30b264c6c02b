import type { BadByte } from './encoding.ts';

/**
 * An export's text as CSV records (RFC 4180, with the mapping's delimiter), each placed on the
 * file's physical lines as an editor numbers them, and each fault told once, for the record it
 * is in, with the lines it spans.
 *
 * Read here rather than with a general CSV parser, because what goes wrong in a city's export
 * needs the reader's position, not its result:
 * - A quote in the middle of an unquoted field (12" pipe), or an undoubled one inside a quoted
 *   field, spoils its record: the rest of that line is passed over and the record is rejected
 *   once, and reading resumes on the next line, so no later row is numbered wrongly.
 * - A stray quote at the start of a field opens a field that runs on, over line breaks, to the
 *   next quote anywhere below. When that field ends in a fault, or never closes, or grows past
 *   the record limit, or holds lines that read as rows or the start of one (`swallowed`: the
 *   quote that closes it is often an inch mark in the next row, 12"), only the lines up
 *   to the one the quote opened on are rejected, and the lines after it are read again as the
 *   rows they are. Nothing is dropped unseen: every line is read as a row or rejected.
 * - No record grows past `maxChars`, so one quote is no way to hold a whole file in memory.
 * Only the record being read is kept, so a line after a stray quote can be read again.
 */

export type FaultCode = 'quote-in-unquoted' | 'bad-closing-quote' | 'stray-quote' | 'too-long' | 'never-closed';

export type ReadEvent =
  | {
      readonly ok: true;
      readonly fields: string[];
      readonly first: number;
      readonly last: number;
      /** Fields that held bytes that were not UTF-8: the field's index and the file offset of the first. */
      readonly garbled: readonly { readonly field: number; readonly byte: number }[];
    }
  | {
      readonly ok: false;
      readonly fault: FaultCode;
      /** The field the fault is in (0-based). */
      readonly field: number;
      /** The fields read before the one at fault: in their places. */
      readonly before: readonly string[];
      readonly first: number;
      readonly last: number;
      /** The lines after `last` are read again as rows (a stray quote's). */
      readonly readAgain: boolean;
    };

export interface RecordReaderOptions {
  readonly delimiter: string;
  readonly maxChars: number;
  /** The index of a field of this multi-line record whose lines read as rows or the start of one, or -1. */
  readonly swallowed: (fields: readonly string[]) => number;
  /**
   * Each record or fault, as it is read: before the next is, so the header, once emitted, can
   * tell what a row looks like to `swallowed`.
   */
  readonly emit: (e: ReadEvent) => void;
}

type State = 'start' | 'unquoted' | 'quoted' | 'quote' | 'discard';

const QUOTE = 34;
const LF = 10;
const CR = 13;

export class RecordReader {
  readonly #delimiter: number;
  readonly #o: RecordReaderOptions;
  #state: State = 'start';
  /** Global position (characters since the start) of input[0]. */
  #base = 0;
  #input = '';
  #i = 0;
  /** Raw text of the record being read, from #recordPos, up to the start of #input. */
  #raw: string[] = [];
  #recordPos = 0;
  #line = 1;
  #first = 1;
  #fields: string[] = [];
  #fieldPos: number[] = [];
  /** Per field, the line its quote opened on, and the position after its first line break (or -1). */
  #openLine: number[] = [];
  #breakEnd: number[] = [];
  #parts: string[] = [];
  #seg = 0;
  /** A CR just ended a line (record or field): an LF right after it is the same break. */
  #afterCR = false;
  #fault: FaultCode | null = null;
  #faultField = 0;
  #bad: { readonly pos: number; readonly byte: number }[] = [];

  constructor(o: RecordReaderOptions) {
    this.#o = o;
    this.#delimiter = o.delimiter.charCodeAt(0);
  }

  /** Reads a piece of the text; the records it completes go to `emit`. */
  push(text: string, bad: readonly BadByte[]): void {
    const start = this.#base + this.#input.length;
    for (const b of bad) this.#bad.push({ pos: start + b.at, byte: b.byte });
    this.#keepRaw();
    this.#base = start;
    this.#input = text;
    this.#i = 0;
    this.#seg = 0;
    this.#run();
  }

  /** Ends the text; the records that completes go to `emit`. */
  end(): void {
    for (;;) {
      const state = this.#state;
      if (state === 'quoted') {
        const k = this.#fields.length;
        if (this.#recover(k, 'never-closed')) {
          this.#run();
          continue;
        }
        this.#reject('never-closed', k);
      } else if (state === 'discard') {
        this.#reject(this.#fault ?? 'quote-in-unquoted', this.#faultField);
      } else if (state !== 'start' || this.#fields.length > 0) {
        this.#endField(this.#input.length, state === 'quote');
        if (this.#endRecord(this.#input.length)) {
          this.#run();
          continue;
        }
      }
      return;
    }
  }

  #keepRaw(): void {
    if (this.#state === 'discard') return;
    const from = Math.max(0, this.#recordPos - this.#base);
    if (from < this.#input.length) this.#raw.push(this.#input.slice(from));
    if (this.#state === 'quoted' || this.#state === 'unquoted') this.#parts.push(this.#input.slice(this.#seg));
  }

  #run(): void {
    const d = this.#delimiter;
    const max = this.#o.maxChars;
    // The input is read anew each time round: reading a stray quote's lines again replaces it.
    while (this.#i < this.#input.length) {
      const s = this.#input;
      const i = this.#i;
      if (this.#state !== 'discard' && this.#base + i - this.#recordPos >= max) {
        // Checked before the character is read: reading again, or passing the line over, starts at it.
        const k = this.#fields.length;
        if (!(this.#state === 'quoted' && this.#recover(k, 'too-long'))) this.#discard('too-long', k);
        continue;
      }
      const c = s.charCodeAt(i);
      this.#i = i + 1;
      const afterCR = this.#afterCR;
      this.#afterCR = false;
      switch (this.#state) {
        case 'start':
          if (c === LF && afterCR) {
            this.#recordPos = this.#base + i + 1;
          } else if (c === CR || c === LF) {
            this.#afterCR = c === CR;
            if (this.#fields.length === 0) {
              // An empty line: passed over, counted.
              this.#line += 1;
              this.#first = this.#line;
              this.#recordPos = this.#base + i + 1;
            } else {
              this.#endField(i);
              this.#endRecord(i);
            }
          } else if (c === QUOTE) {
            this.#startField(i, 'quoted');
            this.#seg = i + 1;
          } else if (c === d) {
            this.#startField(i, 'start');
            this.#endField(i);
          } else {
            this.#startField(i, 'unquoted');
          }
          break;
        case 'unquoted':
          if (c === d) {
            this.#endField(i);
            this.#state = 'start';
          } else if (c === CR || c === LF) {
            this.#afterCR = c === CR;
            this.#endField(i);
            this.#endRecord(i);
          } else if (c === QUOTE) {
            this.#discard('quote-in-unquoted', this.#fields.length);
          }
          break;
        case 'quoted':
          if (c === QUOTE) {
            this.#parts.push(s.slice(this.#seg, i));
            this.#state = 'quote';
          } else if (c === CR || (c === LF && !afterCR)) {
            this.#afterCR = c === CR;
            this.#line += 1;
            const k = this.#fields.length;
            if (this.#breakEnd[k] === -1) this.#breakEnd[k] = this.#base + i + 1;
          } else if (c === LF && this.#breakEnd[this.#fields.length] === this.#base + i) {
            this.#breakEnd[this.#fields.length] = this.#base + i + 1;
          }
          break;
        case 'quote':
          if (c === QUOTE) {
            // A doubled quote: one quote of the value, which goes on.
            this.#seg = i;
            this.#state = 'quoted';
          } else if (c === d) {
            this.#endField(i, true);
            this.#state = 'start';
          } else if (c === CR || c === LF) {
            this.#afterCR = c === CR;
            this.#endField(i, true);
            this.#endRecord(i);
          } else {
            const k = this.#fields.length;
            if (!this.#recover(k, 'stray-quote')) this.#discard('bad-closing-quote', k);
          }
          break;
        case 'discard':
          if (c === CR || c === LF) {
            this.#afterCR = c === CR;
            this.#reject(this.#fault ?? 'quote-in-unquoted', this.#faultField);
            this.#line += 1;
            this.#first = this.#line;
            this.#recordPos = this.#base + i + 1;
          }
          continue;
      }
    }
  }

  #startField(i: number, state: State): void {
    const k = this.#fields.length;
    this.#fieldPos[k] = this.#base + i;
    this.#openLine[k] = this.#line;
    this.#breakEnd[k] = -1;
    this.#parts = [];
    this.#seg = i;
    this.#state = state;
  }

  #endField(i: number, quoted = false): void {
    if (this.#state === 'start' && this.#fieldPos.length === this.#fields.length) {
      // A line that ends right after a delimiter: an empty last field.
      this.#fieldPos.push(this.#base + i);
      this.#openLine.push(this.#line);
      this.#breakEnd.push(-1);
    }
    const tail = quoted || this.#state === 'start' ? '' : this.#input.slice(this.#seg, i);
    this.#parts.push(tail);
    this.#fields.push(this.#parts.join(''));
    this.#parts = [];
  }

  /** Ends the record at i; true when it was a stray quote's, and what followed it is to be read again. */
  #endRecord(i: number): boolean {
    const fields = this.#fields;
    const first = this.#first;
    const last = this.#line;
    if (last > first) {
      const k = this.#o.swallowed(fields);
      if (k >= 0 && this.#breakEnd[k] !== undefined && this.#breakEnd[k] >= 0) {
        this.#i = i;
        this.#afterCR = false;
        if (this.#recover(k, 'stray-quote')) return true;
      }
    }
    const end = this.#base + i;
    const garbled: { field: number; byte: number }[] = [];
    while ((this.#bad[0]?.pos ?? Infinity) < end) {
      const b = this.#bad.shift() as { pos: number; byte: number };
      let field = 0;
      while ((this.#fieldPos[field + 1] ?? Infinity) <= b.pos) field += 1;
      if (garbled.at(-1)?.field !== field) garbled.push({ field, byte: b.byte });
    }
    this.#o.emit({ ok: true, fields, first, last, garbled });
    this.#nextRecord(i + 1);
    return false;
  }

  #nextRecord(at: number): void {
    this.#clearRecord();
    this.#recordPos = this.#base + at;
    this.#line += 1;
    this.#first = this.#line;
  }

  /** The rest of the line is passed over; the record is rejected at its end. */
  #discard(fault: FaultCode, field: number): void {
    this.#fault = fault;
    this.#faultField = field;
    this.#state = 'discard';
    this.#raw = [];
    this.#parts = [];
  }

  /** Forgets the record being read: the next character starts a new one. */
  #clearRecord(): void {
    this.#fields = [];
    this.#fieldPos = [];
    this.#openLine = [];
    this.#breakEnd = [];
    this.#parts = [];
    this.#raw = [];
    this.#state = 'start';
    this.#fault = null;
  }

  #reject(fault: FaultCode, field: number): void {
    const end = this.#base + this.#i;
    while ((this.#bad[0]?.pos ?? Infinity) < end) this.#bad.shift();
    this.#o.emit({
      ok: false,
      fault,
      field,
      before: this.#fields.slice(0, field),
      first: this.#first,
      last: this.#line,
      readAgain: false,
    });
    this.#clearRecord();
  }

  /**
   * Field k's quote opened a field that ran over a line break: taken as a stray quote, the
   * record is rejected up to the line the quote opened on, and what follows is read again.
   */
  #recover(k: number, fault: FaultCode): boolean {
    const from = this.#breakEnd[k];
    if (from === undefined || from < 0) return false;
    const openLine = this.#openLine[k] as number;
    const text = this.#raw.join('') + this.#input.slice(Math.max(0, this.#recordPos - this.#base));
    const rest = text.slice(from - this.#recordPos);
    while ((this.#bad[0]?.pos ?? Infinity) < from) this.#bad.shift();
    this.#o.emit({
      ok: false,
      fault,
      field: k,
      before: this.#fields.slice(0, k),
      first: this.#first,
      last: openLine,
      readAgain: true,
    });
    this.#clearRecord();
    // A CR the field's first break ended in, with its LF yet to be read: the LF is the same break.
    this.#afterCR = text.charCodeAt(from - this.#recordPos - 1) === CR;
    this.#line = openLine + 1;
    this.#first = this.#line;
    this.#base = from;
    this.#input = rest;
    this.#i = 0;
    this.#seg = 0;
    this.#recordPos = from;
    return true;
  }
}
