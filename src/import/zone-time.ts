import { DateTime, FixedOffsetZone, type TokenParser } from 'luxon';

/**
 * Timestamps of an export, read fast. luxon asks Intl for a zone's offset at every instant it
 * places, which is most of an import's time; offsets change only at transitions, so the offset
 * of each local hour is asked once and kept, unless the hour holds a transition or is skipped
 * by one; its times are then placed by luxon one by one, as they would be otherwise.
 */

// A zone no export writes: a result in it means the text carried no offset of its own.
const MARK = FixedOffsetZone.instance(1);
const HOUR = 3_600_000;

export class ZoneClock {
  readonly #zone: string;
  readonly #offsets = new Map<number, number | null>();

  constructor(zone: string) {
    this.#zone = zone;
  }

  /** Epoch ms of text in one of the formats: its own offset if it has one, else this zone's. */
  parse(text: string, parsers: readonly (TokenParser | 'iso')[]): number | null {
    const options = { zone: MARK, setZone: true };
    for (const parser of parsers) {
      const dt = parser === 'iso' ? DateTime.fromISO(text, options) : DateTime.fromFormatParser(text, parser, options);
      if (!dt.isValid) continue;
      return dt.offset === MARK.offset(0) && dt.zone.equals(MARK) ? this.#place(dt.toMillis() + 60_000) : dt.toMillis();
    }
    return null;
  }

  /** A local wall time (as if UTC) as an instant in the zone. */
  #place(wall: number): number {
    const hour = Math.floor(wall / HOUR);
    let offset = this.#offsets.get(hour);
    if (offset === undefined) {
      const first = this.#luxon(hour * HOUR);
      const last = this.#luxon(hour * HOUR + HOUR - 1);
      // An hour the clocks skip is moved by luxon, not placed at an offset: it is not kept.
      const kept = (dt: DateTime, w: number) => dt.toMillis() + dt.offset * 60_000 === w;
      offset =
        first.offset === last.offset && kept(first, hour * HOUR) && kept(last, hour * HOUR + HOUR - 1)
          ? first.offset
          : null;
      this.#offsets.set(hour, offset);
    }
    return offset === null ? this.#luxon(wall).toMillis() : wall - offset * 60_000;
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
