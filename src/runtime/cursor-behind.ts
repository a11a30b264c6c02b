import type { Source, SourceWarning } from '../sdk/connector.ts';
import { shortCursor } from './source-outage.ts';

/**
 * A feed that went back: a source with ordered cursors (cursorAdvances: the CRM's nextCursor,
 * POSSE's watermark) answered an empty page with a cursor below the stored one. A system restored
 * from a backup that holds its change table does that: its sequence is back where the backup was
 * taken, and the changes made since take the numbers the bridge has read past. Polled after the
 * stored cursor, they are never read; the page looks empty and the runner would stay ready.
 *
 * It is a warning (CL_SOURCE_CURSOR_BEHIND), not a pause, and the runner keeps polling from the
 * stored cursor: what the system numbers past it is new and right to read, and a pause would
 * hold every new ticket too, for a gap only an operator can judge. Nor does the runner follow
 * the feed back by itself: it cannot tell a restore from a wrong answer (a stale replica, another
 * environment's system behind the same URL), and following one would read the whole feed again.
 *
 * The warning lasts after the feed has caught up with the stored cursor (the changes in between
 * are unread all the same) until the stored cursor is moved to where the feed went back to or
 * below (`closeloop source cursor <connector> --set`), which reads them. It is kept in memory:
 * a restart forgets it, and finds it again only while the feed is still behind.
 */
export class CursorBehind {
  readonly #source: Pick<Source<unknown>, 'cursorAdvances'>;
  readonly #connector: string;
  readonly #checkEveryMs: number;
  /** The stored cursor when the feed was first seen behind it, and the lowest cursor it went back to. */
  #at: { readonly stored: string; readonly feed: string } | null = null;
  #checkedAt = 0;

  constructor(source: Pick<Source<unknown>, 'cursorAdvances'>, connector: string, checkEveryMs: number) {
    this.#source = source;
    this.#connector = connector;
    this.#checkEveryMs = checkEveryMs;
  }

  /** Whether `cursor` lies past `than`; false when the source cannot order its cursors. */
  #past(cursor: string, than: string): boolean {
    return cursor !== than && this.#source.cursorAdvances?.(than, cursor) === true;
  }

  /** An empty page after `stored` answered `page`: remembered when it is below the stored cursor. */
  observe(stored: string | null, page: string): void {
    if (stored === null || !this.#past(stored, page)) return;
    if (this.#at === null) this.#at = { stored, feed: page };
    else if (this.#past(this.#at.feed, page)) this.#at = { ...this.#at, feed: page };
  }

  /**
   * The runner read its stored cursor again (a start, a reclaim): moved to where the feed went
   * back to, or below it, the changes after it are read again and the warning ends.
   */
  claimed(stored: string | null): void {
    if (this.#at !== null && (stored === null || !this.#past(stored, this.#at.feed))) this.#at = null;
  }

  get holds(): boolean {
    return this.#at !== null;
  }

  warnings(): SourceWarning[] {
    if (this.#at === null) return [];
    const { stored, feed } = this.#at;
    const set = /^[\w.:+-]+$/.test(feed) ? feed : JSON.stringify(feed);
    return [
      {
        code: 'CL_SOURCE_CURSOR_BEHIND',
        detail:
          `the feed went back: asked for changes after the stored cursor ${shortCursor(stored)}, the system ` +
          `answered that it ends at ${shortCursor(feed)} (restored from a backup?); what it numbers after that, ` +
          `up to the stored cursor, is not read. Check the system, then move the cursor back: ` +
          `closeloop source cursor ${this.#connector} --set ${set}`,
      },
    ];
  }

  /**
   * Whether the runner is to make sure now that it still holds its transactional id. Moving the
   * cursor fences it, and an idle runner would find that out only at its next publish, perhaps
   * hours later, polling after the old cursor meanwhile: while the warning holds, at most once per
   * interval.
   */
  checkDue(now = Date.now()): boolean {
    if (this.#at === null || now - this.#checkedAt < this.#checkEveryMs) return false;
    this.#checkedAt = now;
    return true;
  }
}
