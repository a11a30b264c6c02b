import { DateTime, FixedOffsetZone, type TokenParser } from 'luxon';
import { parseEpoch, type DateKeyword } from './date-formats.ts';

/**
 * Timestamps of an export, read fast. luxon asks Intl for a zone's offset at every instant it
 * places, which is most of an import's time; offsets change only at transitions, so the offset
 * of each local day is asked once and kept; a day that holds a transition is looked at hour by
 * hour the same way, and an hour that holds a transition, or is skipped by one, has its times
 * placed by luxon one by one, as they would be otherwise.
 */

// A zone no export writes: a result in it means the text carried no offset of its own.
const MARK = FixedOffsetZone.instance(1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export class ZoneClock {
  readonly #zone: string;
  readonly #offsets = new Map<number, number | null>();
  readonly #dayOffsets = new Map<number, number | null>();

  constructor(zone: string) {
    this.#zone = zone;
  }

  /** Epoch ms of text in one of the formats: its own offset if it has one, else this zone's. */
  parse(text: string, parsers: readonly (TokenParser | DateKeyword)[]): number | null {
    const options = { zone: MARK, setZone: true };
    for (const parser of parsers) {
      if (parser === 'epoch-seconds' || parser === 'epoch-millis') {
        const ms = parseEpoch(text, parser);
        if (ms !== null) return ms;
        continue;
      }
      const dt = parser === 'iso' ? DateTime.fromISO(text, options) : DateTime.fromFormatParser(text, parser, options);
      if (!dt.isValid) continue;
      return dt.offset === MARK.offset(0) && dt.zone.equals(MARK) ? this.#place(dt.toMillis() + 60_000) : dt.toMillis();
    }
    return null;
  }

  /** A local wall time (as if UTC) as an instant in the zone. */
  #place(wall: number): number {
    const day = this.#offsetOf(this.#dayOffsets, Math.floor(wall / DAY), DAY);
    if (day !== null) return wall - day * 60_000;
    const hour = this.#offsetOf(this.#offsets, Math.floor(wall / HOUR), HOUR);
    return hour === null ? this.#luxon(wall).toMillis() : wall - hour * 60_000;
  }

  /** The one offset of the local span `index` of `length` ms, or null if it has none. */
  #offsetOf(cache: Map<number, number | null>, index: number, length: number): number | null {
    let offset = cache.get(index);
    if (offset === undefined) {
      const start = index * length;
      const first = this.#luxon(start);
      const last = this.#luxon(start + length - 1);
      // A time the clocks skip is moved by luxon, not placed at an offset: it is not kept.
      const kept = (dt: DateTime, w: number) => dt.toMillis() + dt.offset * 60_000 === w;
      offset =
        first.offset === last.offset && kept(first, start) && kept(last, start + length - 1) ? first.offset : null;
      cache.set(index, offset);
    }
    return offset;
  }

  #luxon(wall: number): DateTime {
    const w = DateTime.fromMillis(wall, { zone: 'utc' });
    return DateTime.fromObject(
      {
        year: w.year,
        month: w.month,
        day: w.day,
        hour: w.hour,
        minute: w.minute,
        second: w.second,
        millisecond: w.millisecond,
      },
      { zone: this.#zone },
    );
  }
}
