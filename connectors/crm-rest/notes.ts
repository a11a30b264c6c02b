import type { CrmStatusUpdate } from './client.ts';

/** The CRM's limits on a status update's notes, in characters; a note with none is sent whole. */
export interface NoteLimits {
  readonly statusNoteLength?: number | undefined;
  readonly closureNoteLength?: number | undefined;
}

/** A note cut to fit: which one, how long it was and how long the CRM keeps. Never its text. */
export interface NoteCut {
  readonly field: 'statusNote' | 'closureNote';
  readonly length: number;
  readonly limit: number;
}

/** Characters as a reader sees them; the segmentation of graphemes does not vary by locale. */
const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });
const MARK = '…';

/**
 * `text` cut to at most `max` UTF-16 code units, ending with an ellipsis, or `text` itself when it
 * fits. Counted in code units, the most any CRM that counts characters rather than bytes counts
 * (.NET, Java and JavaScript strings, SQL Server's nvarchar), so it fits one that counts code
 * points too; cut only between graphemes, so no emoji, flag or accented letter is left in halves.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = '';
  for (const { segment } of GRAPHEMES.segment(text)) {
    if (kept.length + segment.length + MARK.length > max) break;
    kept += segment;
  }
  return `${kept.trimEnd()}${MARK}`;
}

/**
 * The update with its notes cut to the CRM's limits, and what was cut. A CRM refuses a whole
 * update whose note is longer than its column (422 "statusNote: at most 40 characters"), and as a
 * data error that update, then every later one of its ticket (out of order behind it) would be
 * dead-lettered, replays included: the ticket could never be updated again. A note is the
 * bridge's wording of the status, kept whole in the status record, so a cut one loses nothing the
 * CRM's status fields do not say.
 */
export function fitNotes(update: CrmStatusUpdate, limits: NoteLimits): { update: CrmStatusUpdate; cuts: NoteCut[] } {
  const cuts: NoteCut[] = [];
  const fit = (field: NoteCut['field'], note: string, limit: number | undefined): string => {
    if (limit === undefined || note.length <= limit) return note;
    cuts.push({ field, length: note.length, limit });
    return cutText(note, limit);
  };
  const { statusNote, closureNote } = update;
  return {
    update: {
      ...update,
      statusNote: fit('statusNote', statusNote, limits.statusNoteLength),
      closureNote: closureNote === null ? null : fit('closureNote', closureNote, limits.closureNoteLength),
    },
    cuts,
  };
}
