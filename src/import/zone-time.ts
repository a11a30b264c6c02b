import { DateTime, FixedOffsetZone, Info, type TokenParser, type Zone } from 'luxon';
import { hourOfClock, parseEpoch, readsDayOnly, type DateKeyword } from './date-formats.ts';

/**
 * Timestamps of an export, read fast, and read as the clocks on the wall showed them. luxon
 * asks Intl for a zone's offset at every instant it places, which is most of an import's time;
 * offsets change only at transitions, so the offset of each local day is asked once and kept; a
 * day near a transition is looked at hour by hour the same way, and an hour near one has its
 * times placed one by one. luxon also moves a wall time the clocks skip an hour on without a
 * word, and picks one of the two instants of a wall time they show twice: here each is told.
 */

/** What a timestamp of the export names. */
export interface TimeReading {
  /**
   * The instant. A wall time the clocks show twice (they go back) is read at its first showing,
   * the earlier offset; one they skip (they go forward) at the offset before the change, as the
   * clocks would have shown it had they not changed (02:30 EST, that is 03:30 EDT).
   */
  readonly at: number;
  /** The second showing of a wall time the clocks show twice; null for any other. */
  readonly second: number | null;
  /** A wall time the clocks skip: no instant shows it in the zone. */
  readonly skipped: boolean;
}

// A zone no export writes: a result in it means the text carried no offset of its own.
const MARK = FixedOffsetZone.instance(1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Further than any zone's offset from UTC (at most 14 h): the instants a wall time can name
// lie within this of it, read as UTC.
const REACH = 15 * HOUR;

const exact = (at: number): TimeReading => ({ at, second: null, skipped: false });

export class ZoneClock {
  readonly #zone: Zone;
  readonly #offsets = new Map<number, number | null>();
  readonly #dayOffsets = new Map<number, number | null>();

  constructor(zone: string) {
    this.#zone = Info.normalizeZone(zone);
  }

  /** Epoch ms of text in one of the formats: its own offset if it has one, else this zone's. */
  parse(text: string, parsers: readonly (TokenParser | DateKeyword)[]): number | null {
    return this.read(text, parsers)?.at ?? null;
  }

  /**
   * What text in one of the formats names, or null when it is in none of them. A day without a
   * time of it is its start, or, given `day: 'end'`, its end: the next day's local midnight (a
   * due date "05/01/2024" gives the whole of that day).
   */
  read(
    text: string,
    parsers: readonly (TokenParser | DateKeyword)[],
    day: 'start' | 'end' = 'start',
  ): TimeReading | null {
    const options = { zone: MARK, setZone: true };
    for (const parser of parsers) {
      if (parser === 'epoch-seconds' || parser === 'epoch-millis') {
        const ms = parseEpoch(text, parser);
        if (ms !== null) return exact(ms);
        continue;
      }
      const dt = parser === 'iso' ? DateTime.fromISO(text, options) : DateTime.fromFormatParser(text, parser, options);
      if (!dt.isValid || (parser !== 'iso' && !hourOfClock(parser, text))) continue;
      const own = !(dt.offset === MARK.offset(0) && dt.zone.equals(MARK));
      const dayOnly = readsDayOnly(parser, text);
      const end = day === 'end' && dayOnly ? DAY : 0;
      if (own) return exact(dt.toMillis() + end);
      const reading = this.#place(dt.toMillis() + 60_000 + end);
      // A day is not skipped when its midnight is (Santiago, Havana, Cairo, Beirut change their
      // clocks at 00:00): it starts at its first real instant, the change, as its end (the next
      // day's start) does. Only a time of day the clocks skipped names no instant.
      return dayOnly && reading.skipped ? exact(this.#changeBefore(reading.at)) : reading;
    }
    return null;
  }

  /**
   * The instant the clocks went forward over a skipped wall time read at the offset before the
   * change (`at`, which lies after the change by as much as the wall time lies into the gap):
   * the first instant the zone shows a wall time after it. Found by halving, to the millisecond,
   * between the earliest instant the gap can have begun at and `at`.
   */
  #changeBefore(at: number): number {
    const before = this.#zone.offset(at - REACH);
    let lo = at - REACH;
    let hi = at;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.#zone.offset(mid) === before) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /** A local wall time (as if UTC) as what it names in the zone. */
  #place(wall: number): TimeReading {
    const day = this.#offsetOf(this.#dayOffsets, Math.floor(wall / DAY), DAY);
    if (day !== null) return exact(wall - day * 60_000);
    const hour = this.#offsetOf(this.#offsets, Math.floor(wall / HOUR), HOUR);
    return hour === null ? this.#resolve(wall) : exact(wall - hour * 60_000);
  }

  /**
   * The one offset of the local span `index` of `length` ms, or null if it has none: the zone
   * keeps one offset from further before it to further after it than any wall time of it can
   * name, so each of its wall times names one instant. (Two changes that cancel out within that
   * window would go unseen: no zone changes its offset twice within days.)
   */
  #offsetOf(cache: Map<number, number | null>, index: number, length: number): number | null {
    let offset = cache.get(index);
    if (offset === undefined) {
      const start = index * length;
      const first = this.#zone.offset(start - REACH);
      offset = first === this.#zone.offset(start + length + REACH) ? first : null;
      cache.set(index, offset);
    }
    return offset;
  }

  /**
   * A wall time near a change of offset: each of the offsets before and after the change that
   * reads back as itself at the instant it gives names the wall time. Both: it is shown twice;
   * neither: it is skipped.
   */
  #resolve(wall: number): TimeReading {
    const before = this.#zone.offset(wall - REACH);
    const after = this.#zone.offset(wall + REACH);
    const names = (offset: number) => this.#zone.offset(wall - offset * 60_000) === offset;
    const instants = [...new Set([before, after])].filter(names).map((offset) => wall - offset * 60_000);
    const [first, second] = instants.sort((a, b) => a - b);
    if (first === undefined) return { at: wall - before * 60_000, second: null, skipped: true };
    return { at: first, second: second ?? null, skipped: false };
  }
}
