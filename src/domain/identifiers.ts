/**
 * The longest identifier an input may carry. Ids, codes and names are copied into a ticket's
 * state (the recent event ids, its work orders) and into every status and command: one of
 * megabytes would make those records outgrow the broker's record limit, and the transaction that
 * writes them would fail on every fetch. Real ones are a few dozen characters. Lengths count
 * UTF-16 code units, what String#length counts.
 */
export const MAX_IDENTIFIER_LENGTH = 256;

/** C0 controls, DEL and C1 controls: no CRM prints them on a receipt, and XML cannot carry most. */
const CONTROL = /\p{Cc}/u;
const BLANK = /^\s*$/;

/**
 * Why a text can never be a ticket id, or null when it can be one. The processor refuses an input
 * whose ticket id fails this, and the public lookups (Open311 and the tracking page) refuse only
 * what fails it: so every id the bridge holds can be looked up, whatever else it contains
 * (spaces, `/`, `#`, `%`, non-ASCII letters). Tested as is, neither trimmed nor normalized: the
 * bridge keys tickets by the exact text the CRM sent. Allocates nothing for an id that passes; it
 * runs for every input record.
 */
export function ticketIdFault(id: string): string | null {
  if (BLANK.test(id)) return 'is blank';
  if (id.length > MAX_IDENTIFIER_LENGTH)
    return `is ${id.length} characters long; an identifier may have at most ${MAX_IDENTIFIER_LENGTH}`;
  if (CONTROL.test(id)) return 'holds a control character';
  // A URL path takes "." and ".." for "this" and "the parent" segment, however encoded: calls
  // about such a ticket would reach another resource of the CRM.
  if (id === '.' || id === '..') return 'is a dot segment, which no URL path can carry as an id';
  return null;
}
