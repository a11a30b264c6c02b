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

// The lanes, one digest at a time: publish runs synchronously on one thread.
let h1 = 0;
let h2 = 0;

function add(x: number): void {
  h1 = Math.imul(h1 ^ x, 2654435761);
  h2 = Math.imul(h2 ^ x, 1597334677);
}

function addText(text: string): void {
  add(TEXT);
  for (let i = 0; i < text.length; i += 1) add(text.charCodeAt(i));
  // Its length ends it, so that "ab"+"c" and "a"+"bc" differ.
  add(END ^ text.length);
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
  h1 = 0xdeadbeef;
  h2 = 0x41c6ce57;
  addValue(fields);
  const a = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  const b = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  let key = MARK;
  for (let shift = 26; shift >= 2; shift -= 6) key += ALPHABET[(a >>> shift) & 63] ?? '';
  for (let shift = 26; shift >= 2; shift -= 6) key += ALPHABET[(b >>> shift) & 63] ?? '';
  return key;
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
