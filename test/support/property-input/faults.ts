/**
 * How a foreign Kafka client may spoil a well-formed input record: its value's bytes mutated, its
 * wire-format header wrong, no value at all, a key that is not the ticket id, odd headers, or a
 * schema version of its own. Each fault says what must become of the record (`fateOf`): dead-
 * lettered for certain, taken as the event it still is, or either, as the bytes happen to read.
 */
import fc from 'fast-check';
import { EMAIL, PHONE } from '../property/vocabulary.ts';

/** Header names a foreign producer may send that mean something to closeloop. */
export const FORGED_OFFSET = 'closeloop.dlq.original.offset';
export const APICURIO_ID = 'apicurio.value.globalId';

/** `phone` and `email`: a producer that keys a request's events by the caller's contact. */
export type KeyFault = 'null' | 'empty' | 'latin1' | 'other-ticket' | 'padded' | 'phone' | 'email';
export type Header = readonly [string, Buffer | null];

export type Fault =
  | { readonly k: 'flip'; readonly at: number; readonly xor: number }
  | { readonly k: 'truncate'; readonly keep: number }
  | { readonly k: 'extend'; readonly junk: Uint8Array }
  | { readonly k: 'magic'; readonly byte: number }
  | { readonly k: 'unknown-id'; readonly id: number }
  /** Framed with the schema id of the other foreign input's subject. */
  | { readonly k: 'other-subject' }
  | { readonly k: 'short'; readonly bytes: Uint8Array }
  | { readonly k: 'tombstone' }
  | { readonly k: 'key'; readonly key: KeyFault }
  | { readonly k: 'headers'; readonly headers: readonly Header[] }
  /**
   * One header that makes the record about as large as a broker takes (1 MiB by default, above
   * the 1 MB closeloop writes at most), its magic byte wrong when `spoilt`: its dead letter has
   * to leave out what does not fit, and say so.
   */
  | { readonly k: 'giant'; readonly size: number; readonly spoilt: boolean }
  /** Written with a city's registered schema: one field more (compatible), or a text field as bytes. */
  | { readonly k: 'variant'; readonly variant: 'extra-field' | 'bytes-text' };

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

/** Headers as foreign clients send them: binary, empty, huge, repeated, or named as closeloop's. */
export const oddHeader: fc.Arbitrary<Header> = fc.oneof(
  fc.tuple(
    fc.constantFrom('x-trace', 'traceparent', ''),
    bytes(0, 40).map((b) => Buffer.from(b) as Buffer | null),
  ),
  fc.tuple(
    fc.constant('x-blob'),
    fc.integer({ min: 20_000, max: 100_000 }).map((n) => Buffer.alloc(n, 0xa5)),
  ),
  fc.tuple(fc.constant('x-null'), fc.constant(null)),
  // A forged provenance header: the dead letter's own must be the one read.
  fc.tuple(fc.constant(FORGED_OFFSET), fc.constant(Buffer.from('424242'))),
  fc.tuple(
    fc.constant('x-utf8'),
    fc.string({ unit: 'binary', maxLength: 20 }).map((s) => Buffer.from(s)),
  ),
);

/** Faults of the wire format and the bytes alone: the ones a record of any input can carry. */
export const wireFault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ k: fc.constant('magic' as const), byte: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ k: fc.constant('unknown-id' as const), id: fc.integer({ min: 50_000, max: 0x7fffffff }) }),
  fc.constant({ k: 'other-subject' as const }),
  fc.record({ k: fc.constant('short' as const), bytes: bytes(0, 5) }),
  fc.constant({ k: 'tombstone' as const }),
);

export const fault: fc.Arbitrary<Fault> = fc.oneof(
  {
    arbitrary: fc.record({ k: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
    weight: 3,
  },
  { arbitrary: fc.record({ k: fc.constant('truncate' as const), keep: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('extend' as const), junk: bytes(1, 16) }), weight: 1 },
  { arbitrary: wireFault, weight: 3 },
  {
    arbitrary: fc.record({
      k: fc.constant('key' as const),
      key: fc.constantFrom<KeyFault>('null', 'empty', 'latin1', 'other-ticket', 'padded', 'phone', 'email'),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      k: fc.constant('headers' as const),
      headers: fc.array(oddHeader, { minLength: 1, maxLength: 4 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      k: fc.constant('giant' as const),
      size: fc.integer({ min: 990_000, max: 1_048_000 }),
      spoilt: fc.boolean(),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      k: fc.constant('variant' as const),
      variant: fc.constantFrom('extra-field' as const, 'bytes-text' as const),
    }),
    weight: 1,
  },
);

/** What must become of a record: dead-lettered, taken, or either as its bytes read. */
export type Fate = 'dead' | 'taken' | 'either';

/**
 * A bytes-text variant is dead-lettered only when the field holds a value (null reads as null);
 * the runner writes one whenever the event has text, and says so with `hasText`.
 */
export function fateOf(f: Fault | null, hasText: boolean): Fate {
  if (f === null) return 'taken';
  switch (f.k) {
    case 'flip':
    case 'truncate':
    case 'extend':
      return 'either';
    case 'headers':
      return f.headers.some(([name]) => name === APICURIO_ID) ? 'dead' : 'taken';
    case 'giant':
      return f.spoilt ? 'dead' : 'taken';
    case 'variant':
      return f.variant === 'bytes-text' && hasText ? 'dead' : 'taken';
    default:
      return 'dead';
  }
}

/** The value's bytes as the fault leaves them; `otherId` is the other input's schema id. */
export function spoilValue(value: Buffer, f: Fault | null, otherId: number): Buffer | null {
  if (f === null) return value;
  const v = Buffer.from(value);
  switch (f.k) {
    case 'flip':
      v[f.at % v.length] = (v[f.at % v.length] ?? 0) ^ f.xor;
      return v;
    case 'truncate':
      return v.subarray(0, f.keep % v.length);
    case 'extend':
      return Buffer.concat([v, f.junk]);
    case 'magic':
      v[0] = f.byte;
      return v;
    case 'giant':
      if (f.spoilt) v[0] = 1;
      return v;
    case 'unknown-id':
      v.writeInt32BE(f.id, 1);
      return v;
    case 'other-subject':
      v.writeInt32BE(otherId, 1);
      return v;
    case 'short':
      return Buffer.from(f.bytes);
    case 'tombstone':
      return null;
    default:
      return v;
  }
}

/** The key a fault leaves: the ticket id as text unless the fault is about the key. */
export function spoilKey(ticketId: string, f: Fault | null, otherTicket: string): string | Buffer | null {
  if (f?.k !== 'key') return ticketId;
  switch (f.key) {
    case 'null':
      return null;
    case 'empty':
      return '';
    case 'latin1':
      // "<id>ÿ" as Latin-1 writes it: one byte 0xFF, not UTF-8.
      return Buffer.concat([Buffer.from(ticketId), Buffer.from([0xff])]);
    case 'other-ticket':
      return otherTicket;
    case 'padded':
      return ` ${ticketId}`;
    case 'phone':
      return PHONE;
    case 'email':
      return EMAIL;
  }
}
