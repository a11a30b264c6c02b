/**
 * A short digest of what an input says, kept beside its event id in the ticket's recent ids. A
 * source may publish one event twice (at-least-once delivery, a connector's retry after a
 * crash): same id, same content, passed over. A source that gives two different events one id
 * (ids made from a second-resolution clock, a counter reset) would see the second passed over as
 * a repeat, and the ticket stop moving with no trace; the digest tells the two apart, and the
 * second is quarantined EVENT_ID_REUSED.
 *
 * Left out: the correlation id, which a source may draw anew each time it publishes. The rest,
 * the values in the order the record has them (the schema's order), is hashed with 32-bit
 * FNV-1a, folded to 24 bits and written as 4 characters: one other event in 16.7 million with
 * the same id would still pass as a repeat.
 */
export const DIGEST_LENGTH = 4;
/** Stands for the digest of an id remembered before digests were kept: it matches any content. */
export const UNKNOWN_DIGEST = '....';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;
const LEFT_OUT = 'correlationId';
/**
 * Fields an input schema gained after the digests in ticket states were taken, left out while
 * null (their default): counted, they would change the digest of every event, and a source's
 * resend after an upgrade would be quarantined EVENT_ID_REUSED. crm events v4: crmStatusVersion.
 */
const ADDED_LATER = 'crmStatusVersion';
// Called, not Object.hasOwn: TurboFan folds o.hasOwnProperty(k) inside `for (k in o)` into a map
// check (JSCallReducer::ReduceObjectPrototypeHasOwnProperty); Object.hasOwn is a call per field.
const hasOwnProperty = Object.prototype.hasOwnProperty;

function mixString(h: number, text: string): number {
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), PRIME);
  // A separator, so that "ab"+"c" and "a"+"bc" differ.
  return Math.imul(h ^ 0x1f, PRIME);
}

function mixNumber(h: number, n: number): number {
  // Whole numbers (times, positions) as two 32-bit words, without making a string.
  if (!Number.isSafeInteger(n)) return mixString(Math.imul(h ^ 0x07, PRIME), String(n));
  const low = Math.imul(Math.imul(h ^ 0x02, PRIME) ^ (n >>> 0), PRIME);
  return Math.imul(low ^ Math.floor(n / 4_294_967_296), PRIME);
}

// Runs for every event decided, so it walks the event in place: no entries arrays, no strings.
function mix(h: number, value: unknown): number {
  if (value === null || value === undefined) return Math.imul(h ^ 0x00, PRIME);
  switch (typeof value) {
    case 'string':
      return mixString(Math.imul(h ^ 0x01, PRIME), value);
    case 'number':
      return mixNumber(h, value);
    case 'boolean':
      return Math.imul(h ^ (value ? 0x08 : 0x09), PRIME);
    case 'bigint':
      return mixString(Math.imul(h ^ 0x07, PRIME), String(value));
    case 'object':
      break;
    default:
      return h;
  }
  if (Array.isArray(value)) {
    let a = Math.imul(h ^ 0x03, PRIME);
    for (const item of value) a = mix(a, item);
    return Math.imul(a ^ 0x04, PRIME);
  }
  let o = Math.imul(h ^ 0x05, PRIME);
  const record = value as Record<string, unknown>;
  for (const key in record) {
    // Values only: a record's fields come in its schema's order, and each value is tagged with
    // its type, so a value in another field still changes the digest.
    if (!hasOwnProperty.call(record, key) || key === LEFT_OUT) continue;
    const field = record[key];
    if ((field === null || field === undefined) && key === ADDED_LATER) continue;
    o = mix(o, field);
  }
  return Math.imul(o ^ 0x06, PRIME);
}

/** The digest of an input event's content (see above). */
export function eventDigest(event: object): string {
  const full = mix(OFFSET, event) >>> 0;
  // Xor-folded to 24 bits, as FNV's authors advise for a shorter hash.
  const h = ((full >>> 24) ^ full) & 0xffffff;
  // One string, not three intermediate ones.
  return String.fromCharCode(
    ALPHABET.charCodeAt((h >>> 18) & 63),
    ALPHABET.charCodeAt((h >>> 12) & 63),
    ALPHABET.charCodeAt((h >>> 6) & 63),
    ALPHABET.charCodeAt(h & 63),
  );
}
