import { hash } from 'node:crypto';

/**
 * The status key a ticket keeps: a digest of what makes a status new (state, note, dates,
 * reasons, links, priority, SLA), compared with the next one to tell whether the CRM must be
 * sent a new version. Only equality between a ticket's own consecutive statuses matters, so the
 * digest need not be cryptographic; it runs for every event.
 *
 * The key of today is `~` and ten characters: 60 bits of two 32-bit lanes fed value by value
 * (the lanes, multipliers and final mix of cyrb53, by bryc, public domain), with no string made
 * of the fields. Eleven characters fit V8's smallest string body. `~` is outside base64url, so a
 * key of states written before (11 or 22 characters of a SHA-256 of the fields as JSON) is told
 * apart and compared in its own terms: a restored ticket's unchanged status is not sent again.
 */
export const STATUS_KEY_LENGTH = 11;
const MARK = '~';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// Tags above any UTF-16 code unit, so a tag never reads as a character of a string.
const NULL = 0x1_0000;
const TEXT = 0x1_0001;
const WHOLE = 0x1_0002;
const OTHER_NUMBER = 0x1_0003;
const TRUE = 0x1_0004;
const FALSE = 0x1_0005;
const LIST = 0x1_0006;
const END = 0x1_0007;

// The lanes, one digest at a time: publish runs synchronously on one thread. In an Int32Array,
// not two module-level lets: a let holds a tagged value, and most 32-bit lane values are outside
// the small-integer range, so every store of one allocated a heap number.
const lanes = new Int32Array(2);

function add(x: number): void {
  lanes[0] = Math.imul((lanes[0] as number) ^ x, 2654435761);
  lanes[1] = Math.imul((lanes[1] as number) ^ x, 1597334677);
}

function addText(text: string): void {
  // The same steps as add() per character, with the lanes in locals.
  let a = Math.imul((lanes[0] as number) ^ TEXT, 2654435761);
  let b = Math.imul((lanes[1] as number) ^ TEXT, 1597334677);
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  // Its length ends it, so that "ab"+"c" and "a"+"bc" differ.
  const end = END ^ text.length;
  lanes[0] = Math.imul(a ^ end, 2654435761);
  lanes[1] = Math.imul(b ^ end, 1597334677);
}

function addValue(value: unknown): void {
  if (value === null || value === undefined) return add(NULL);
  switch (typeof value) {
    case 'string':
      return addText(value);
    case 'number':
      if (Number.isSafeInteger(value)) {
        // Times and counts as two 32-bit words, without making a string.
        add(WHOLE);
        add(value >>> 0);
        return add(Math.floor(value / 4_294_967_296) | 0);
      }
      add(OTHER_NUMBER);
      return addText(String(value));
    case 'boolean':
      return add(value ? TRUE : FALSE);
    default:
      break;
  }
  if (Array.isArray(value)) {
    add(LIST);
    for (const item of value) addValue(item);
    return add(END ^ value.length);
  }
  // Not among the fields a status is keyed on; taken whole all the same, never ignored.
  addText(JSON.stringify(value) ?? String(value));
}

/** The key of a status's fields (see above). */
export function statusKey(fields: readonly unknown[]): string {
  lanes[0] = 0xdeadbeef;
  lanes[1] = 0x41c6ce57;
  addValue(fields);
  const h1 = lanes[0] as number;
  const h2 = lanes[1] as number;
  const a = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  const b = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  // One string of eleven characters, not ten intermediate ones.
  const at = (x: number, shift: number) => ALPHABET.charCodeAt((x >>> shift) & 63);
  return String.fromCharCode(
    MARK.charCodeAt(0),
    at(a, 26),
    at(a, 20),
    at(a, 14),
    at(a, 8),
    at(a, 2),
    at(b, 26),
    at(b, 20),
    at(b, 14),
    at(b, 8),
    at(b, 2),
  );
}

/** The key states written before kept: SHA-256 of the fields as JSON, in base64url, cut to 11. */
export function legacyStatusKey(fields: readonly unknown[]): string {
  return hash('sha256', JSON.stringify(fields), 'base64url').slice(0, STATUS_KEY_LENGTH);
}

/**
 * Whether `kept` is the key of the same status as `fields`, whose key of today is `key`. A kept
 * key of before is compared with the fields' key of before: its eleven characters, or the 22
 * that older states kept, which begin with them.
 */
export function sameStatus(fields: readonly unknown[], key: string, kept: string | null): boolean {
  if (kept === null) return false;
  if (kept === key) return true;
  if (kept.startsWith(MARK)) return false;
  const legacy = legacyStatusKey(fields);
  return kept === legacy || (kept.length > legacy.length && kept.startsWith(legacy));
}
