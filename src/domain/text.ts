import type { InboundEvent } from './types.ts';

/**
 * Free text the domain takes from its inputs is kept to a fixed length. A ticket's state is one
 * record of the compacted changelog, and a status or command one record of its topic: text that
 * grew with every event (a note per update, each kept) would in time outgrow the broker's record
 * limit, fail the transaction for good and stall the whole partition, though every input was
 * small. Lengths count UTF-16 code units (what String#length counts), so a text of n units is at
 * most 3n bytes in UTF-8 and 2n on the heap.
 *
 *  - `description`: 4000, what Open311 GeoReport v2 allows a request's description, so a CRM
 *    speaking it never loses any of what it sends to the departments.
 *  - `note`: 1000, a long paragraph: a note from the CRM's agent or a department's staff, a
 *    closure note, a note in a command.
 *  - `composed`: 2000, text the bridge puts together around notes: the status note (a department
 *    name and a note), the closure note of several work orders, a parent's note mirrored by a
 *    duplicate, a quarantine record's detail.
 *
 * These are ceilings for the rare runaway text (a pasted log, a looping integration); most texts
 * are a few dozen characters, which keeps the average ticket well under its heap budget.
 */
export type TextKind = 'description' | 'note' | 'composed';

export const TEXT_LIMITS: Readonly<Record<TextKind, number>> = { description: 4000, note: 1000, composed: 2000 };

/**
 * A ticket keeps its five most recent notes. Nothing in the lifecycle reads older ones (the CRM
 * holds the ticket's full history), and five long notes stay within a few KiB of changelog.
 */
export const MAX_NOTES = 5;

/** Ends a cut text, so that people reading it know there was more (in the CRM, or the input). */
export const CUT_MARK = '…';

/**
 * The text, cut to its kind's limit with the mark at the end. It is never cut inside a surrogate
 * pair, where half a code point would not be text; a cut text is left as it is when cut again.
 */
export function clip(text: string, kind: TextKind): string {
  const max = TEXT_LIMITS[kind];
  if (text.length <= max) return text;
  let end = max - CUT_MARK.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${CUT_MARK}`;
}

/** Null for no text: also undefined, which a field the domain's types call nullable can still be. */
export function clipOrNull(text: string | null | undefined, kind: TextKind): string | null {
  return text == null ? null : clip(text, kind);
}

/**
 * A ticket's notes with one more: the most recent MAX_NOTES, each within its limit (notes kept
 * in a state written before the limits are cut here too, so such a ticket shrinks again).
 */
export function withNote(notes: readonly string[], note: string): readonly string[] {
  return [...notes, note].slice(-MAX_NOTES).map((n) => clip(n, 'note'));
}

/**
 * An input with its free text within the limits, so that nothing the lifecycle copies from it
 * into the state or its outputs can be longer. A long text is not a fault of its source: it is
 * cut, not quarantined, and the unchanged input is returned when nothing needs cutting.
 */
export function boundedInput(input: InboundEvent): InboundEvent {
  switch (input.type) {
    case 'crm': {
      const e = input.event;
      const description = clipOrNull(e.description, 'description');
      const note = clipOrNull(e.note, 'note');
      if (description === e.description && note === e.note) return input;
      return { type: 'crm', event: { ...e, description, note } };
    }
    case 'dept': {
      const e = input.event;
      const note = clipOrNull(e.note, 'note');
      return note === e.note ? input : { type: 'dept', event: { ...e, note } };
    }
    case 'link': {
      const m = input.event;
      const parentNote = clipOrNull(m.parentNote, 'composed');
      return parentNote === m.parentNote ? input : { type: 'link', event: { ...m, parentNote } };
    }
    // Receipts carry no text; an operator's reason reaches only a quarantine detail, cut there.
    case 'receipt':
    case 'operator':
      return input;
  }
}
