/**
 * Where each record of an export lies in the file, in physical lines as an editor or a
 * spreadsheet numbers them, so a reject report points at what a person opens. csv-parse's own
 * `lines` is right between records but counts a CRLF inside a quoted field as two lines, so it
 * is used only for what lies between records (blank lines skipped, a record given up on) and a
 * record's own extent is counted from its fields.
 */
export interface Placed {
  /** The record's first line, 1-based. */
  readonly first: number;
  /** Its last line: later than the first when a quoted field holds line breaks. */
  readonly last: number;
}

/** What csv-parse tells of its position when it emits or gives up on a record. */
export interface ParserPosition {
  readonly lines: number;
  readonly empty_lines: number;
}

const BREAK = /\r\n|\r|\n/g;

/** Line breaks inside a record's fields. */
export function breaksIn(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) if (f.includes('\n') || f.includes('\r')) n += f.match(BREAK)?.length ?? 0;
  return n;
}

/** Called in parse order (csv-parse's on_record and on_skip), record after record. */
export class LineCounter {
  #last = 0;
  #empty = 0;
  #parserLines = 0;

  /** A record the parser emitted. */
  record(fields: readonly string[], at: ParserPosition): Placed {
    const first = this.#next(at);
    return this.#moveTo(first, first + breaksIn(fields), at);
  }

  /** A record the parser gave up on, at the line it says it stopped. */
  skipped(at: ParserPosition): Placed {
    const first = this.#next(at);
    const skipped = at.empty_lines - this.#empty;
    return this.#moveTo(first, Math.max(first, first + at.lines - this.#parserLines - 1 - skipped), at);
  }

  /** Where the record now being read starts (one the parser fails on at the end, say). */
  peek(at: ParserPosition): number {
    return this.#next(at);
  }

  #next(at: ParserPosition): number {
    return this.#last + 1 + (at.empty_lines - this.#empty);
  }

  #moveTo(first: number, last: number, at: ParserPosition): Placed {
    this.#last = last;
    this.#empty = at.empty_lines;
    this.#parserLines = at.lines;
    return { first, last };
  }
}
