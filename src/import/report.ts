import { scrubPii } from '../domain/pii.ts';
import type { Rejection } from './rows.ts';

/** Rejections kept in full by default: the first ones. The rest are counted by reason. */
export const KEPT_REJECTIONS = 100;

/** Reasons told apart in the summary; rejections for any further reason are counted together. */
const MAX_GROUPS = 50;

/** Rejections for one reason, the values in it aside. */
export interface RejectionGroup {
  readonly column: string;
  /** The reason with its values and numbers blanked: "…" and #. */
  readonly reason: string;
  readonly count: number;
  /** The first row rejected for it. */
  readonly firstRow: number;
}

/** The column the group of reasons past MAX_GROUPS is listed under. */
export const OTHER_REASONS = '(other reasons)';

/**
 * A value as a reason shows it: quoted, a quote in it doubled as CSV does, so reasonKind blanks
 * it whole whatever it holds. Unquoted, each ticket id or value would be a reason of its own, and
 * 50 of them would leave every other rejection counted as "(other reasons)".
 */
export function quoted(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/**
 * A value of the export as a rejection reason shows it, on screen and in the --rejects file:
 * scrubbed, then quoted. A mapping set wrong may read a caller's e-mail address or phone number
 * as a ticket id, a date, a channel, a status or a coordinate, and the report must not print it.
 * Every value a reason shows goes through here, not through quoted() alone.
 */
export function shown(value: string): string {
  return quoted(scrubPii(value.split(FIELD_BREAKS).map(scrubPii).join('')));
}

/**
 * What may join the export's fields in one value: a quote gone wrong runs fields and lines
 * together ("41.5\n Closed,North,410-555-0199,2023-10-22"), and the scrubber leaves a number
 * followed by ",2023" (the digits of a decimal or a date, it takes it for), so each piece is
 * scrubbed on its own too. No e-mail address or phone number the scrubber reads holds one of these
 * (a tab may be inside a phone number: it is not split on). Captured, so the split keeps them.
 */
const FIELD_BREAKS = /([,;|\r\n]+)/;

/** A reason as its kind: a quoted value and the numbers in it (rows, fields, bytes) blanked. */
export function reasonKind(reason: string): string {
  return reason.replace(/"(?:[^"]|"")*"/g, '"…"').replace(/\d+/g, '#');
}

/**
 * The reject report of an import, in bounded memory whatever the file holds: the first `keep`
 * rejections in full, and every one counted by column and reason. An export that is all
 * rejections (the wrong mapping, say) is millions of them.
 */
export class RejectionReport {
  readonly #keep: number;
  readonly kept: Rejection[] = [];
  readonly #groups = new Map<string, { column: string; reason: string; count: number; firstRow: number }>();
  count = 0;

  constructor(keep = KEPT_REJECTIONS) {
    this.#keep = keep;
  }

  add(r: Rejection): void {
    this.count += 1;
    if (this.kept.length < this.#keep) this.kept.push(r);
    const reason = reasonKind(r.reason);
    let key = `${r.column}\u0000${reason}`;
    if (!this.#groups.has(key) && this.#groups.size >= MAX_GROUPS) key = OTHER_REASONS;
    const group = this.#groups.get(key);
    if (group) group.count += 1;
    else
      this.#groups.set(key, {
        column: key === OTHER_REASONS ? OTHER_REASONS : r.column,
        reason: key === OTHER_REASONS ? '' : reason,
        count: 1,
        firstRow: r.row,
      });
  }

  /** The groups, most rejections first. */
  groups(): RejectionGroup[] {
    return [...this.#groups.values()].sort((a, b) => b.count - a.count || a.firstRow - b.firstRow);
  }
}
