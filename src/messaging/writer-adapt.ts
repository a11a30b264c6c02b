import avro from 'avsc';
import { logicalTypeOf } from './avro-logical.ts';

/**
 * Turns a value read with its writer's schema into what Avro resolution against the reader's
 * schema gives, in place where it can; returns the value (a new one for a record whose writer
 * has other fields than its reader).
 */
export type Adapt = (value: unknown) => unknown;

interface Field {
  readonly name: string;
  readonly type: avro.Type;
  readonly aliases: readonly string[];
  defaultValue(): unknown;
}

type Fields = Record<string, unknown>;

/**
 * How a writer's named types (records, enums, fixed) are matched to the reader's: by their
 * unqualified name, as Avro's SchemaCompatibility, and so the registry's compatibility check,
 * matches them (Avro Java's own reader is stricter for enums and fixed types). A team generating classes from its copy of a schema in its
 * own package writes the nested Envelope as, say, gov.city.crm.avro.Envelope, and the registry
 * takes it under closeloop's subject; its structure is resolved as strictly as any other. The
 * topic's record itself keeps its full name (writerMismatch in writer-check.ts): it is what tells
 * a record of another topic's schema, or of another version of the contract, apart.
 * A new object each call: avsc keeps the resolvers it makes in the options it is given, by the
 * two records' names, and would hand one writer's to the next writer of the same names.
 */
export const avroNameRule = () => ({ ignoreNamespaces: true });

const fieldsOf = (t: avro.Type) => (t as unknown as { fields: readonly Field[] }).fields;
const branchesOf = (t: avro.Type) => (t as unknown as { types: readonly avro.Type[] }).types;
const itemsOf = (t: avro.Type) => (t as unknown as { itemsType: avro.Type }).itemsType;
const valuesOf = (t: avro.Type) => (t as unknown as { valuesType: avro.Type }).valuesType;
const underlying = (t: avro.Type) =>
  avro.Type.isType(t, 'logical') ? (t as unknown as { underlyingType: avro.Type }).underlyingType : t;

/** What records of a writer schema need, or why they cannot be taken at all. */
export interface Adaptation {
  /** Null when a record needs nothing. */
  readonly adapt: Adapt | null;
  /** The fields whose values the reader cannot take, each named with why; empty when none. */
  readonly refusals: readonly string[];
}

/**
 * A time unit a writer's logical type counts in, converted to the reader's where that is exact.
 * Microseconds are safe JavaScript numbers until the year 2255 (avsc refuses a long beyond), so
 * dividing loses nothing but the sub-millisecond part. Local timestamps (no zone), dates and
 * times of day are no instant; nanoseconds are past what a number holds exactly.
 */
const CONVERSIONS: Readonly<Record<string, Adapt>> = {
  'timestamp-micros>timestamp-millis': (v) => (typeof v === 'number' ? Math.floor(v / 1000) : v),
};

/**
 * What a record written with `writer` needs to be what its reader expects, worked out once per
 * writer schema. Records are read with their writer's schema (a symbol the reader's enum lacks
 * stays readable, see writer-check.ts), so:
 *  - a field the writer does not have is missing from the value, where resolution would give the
 *    reader's default: `note`, `description` or the envelope's `sequence` left out by a writer
 *    that has no use for them would reach the domain as undefined where it expects null. Each such
 *    field, in the record and in the records it nests (directly, in unions, arrays and maps), is
 *    given its default;
 *  - a record whose writer has other fields than the reader (one more, one less, renamed, or in
 *    another order) is read into one with the reader's fields only, in the reader's order, as
 *    resolution gives it. The event digest (src/domain/event-digest.ts) hashes a record's values
 *    in their key order: a resend written with a producer's evolved schema must digest as the
 *    first copy did, or it is taken for another event under a used id;
 *  - a number whose logical type differs from the reader's (avro-logical.ts names them) is in
 *    another unit: converted where that is exact (CONVERSIONS), else refused. A writer's long with
 *    no logical type is taken in the reader's unit: resolution allows it, and most writers of
 *    milliseconds do not say so.
 * `writer` must resolve against `reader` (createResolver did not throw).
 */
export function adaptation(writer: avro.Type, reader: avro.Type): Adaptation {
  const walk = new Walk();
  const adapt = walk.pair(writer, reader, '');
  return { adapt, refusals: walk.refusals };
}

class Walk {
  readonly refusals: string[] = [];
  readonly #seen = new Map<avro.Type, Map<avro.Type, { adapt: Adapt | null; done: boolean }>>();

  /** `path` names the field for a refusal: the first path a pair of types is met at. */
  pair(w: avro.Type, r: avro.Type, path: string): Adapt | null {
    let byReader = this.#seen.get(w);
    if (!byReader) this.#seen.set(w, (byReader = new Map()));
    const seen = byReader.get(r);
    // A record that nests itself meets the same pair again while it is worked out: that one
    // defers to the pair's result, which is known by the time a value is adapted.
    if (seen) return seen.done ? seen.adapt : (v) => (seen.adapt ? seen.adapt(v) : v);
    const slot: { adapt: Adapt | null; done: boolean } = { adapt: null, done: false };
    byReader.set(r, slot);
    slot.adapt = this.#pair(w, r, path);
    slot.done = true;
    return slot.adapt;
  }

  #pair(w: avro.Type, r: avro.Type, path: string): Adapt | null {
    if (avro.Type.isType(w, 'union')) return this.#union(w, r, path);
    if (avro.Type.isType(r, 'union')) {
      const branch = readerBranch(w, branchesOf(r));
      return branch ? this.pair(w, branch, path) : null;
    }
    const unit = this.#unit(w, r, path);
    if (unit !== undefined) return unit;
    const w0 = underlying(w);
    const r0 = underlying(r);
    if (avro.Type.isType(w0, 'record', 'error') && avro.Type.isType(r0, 'record', 'error'))
      return this.#record(w0, r0, path);
    if (w0.typeName === 'array' && r0.typeName === 'array') {
      const item = this.pair(itemsOf(w0), itemsOf(r0), `${path}[]`);
      return item && eachItem(item);
    }
    if (w0.typeName === 'map' && r0.typeName === 'map') {
      const value = this.pair(valuesOf(w0), valuesOf(r0), `${path}{}`);
      return value && eachValue(value);
    }
    return null;
  }

  /** The conversion of a writer's time unit to the reader's; undefined when they are not two. */
  #unit(w: avro.Type, r: avro.Type, path: string): Adapt | null | undefined {
    const written = logicalTypeOf(w);
    const read = logicalTypeOf(r);
    if (written === undefined || read === undefined || written === read) return undefined;
    const convert = CONVERSIONS[`${written}>${read}`];
    if (convert) return convert;
    this.refusals.push(`${path || 'the record'} is written as ${written}, which is no ${read}`);
    return null;
  }

  /** Each branch the writer may have written, as the reader's branch that resolution picks. */
  #union(w: avro.Type, r: avro.Type, path: string): Adapt | null {
    const readers = avro.Type.isType(r, 'union') ? branchesOf(r) : [r];
    const branches = branchesOf(w);
    const adapts = branches.map((b) => {
      const branch = readerBranch(b, readers);
      return branch ? this.pair(b, branch, path) : null;
    });
    if (adapts.every((a) => a === null)) return null;
    if (w.typeName === 'union:wrapped') {
      // A wrapped union's value is null or { [branch name]: value }.
      const byName = new Map<string, Adapt>();
      branches.forEach((b, i) => {
        const a = adapts[i];
        const name = (b as { branchName?: string }).branchName;
        if (a && name !== undefined) byName.set(name, a);
      });
      return (v) => {
        if (v === null || typeof v !== 'object') return v;
        for (const name of Object.keys(v)) {
          const a = byName.get(name);
          if (a) put(v as Fields, name, a((v as Fields)[name]));
        }
        return v;
      };
    }
    // avsc unwraps a union only when no two branches hold the same kind of JavaScript value.
    const byKind = new Map<string, Adapt>();
    branches.forEach((b, i) => {
      const a = adapts[i];
      if (a) byKind.set(kindOfType(b), a);
    });
    return (v) => {
      const a = byKind.get(kindOfValue(v));
      return a ? a(v) : v;
    };
  }

  #record(w: avro.Type, r: avro.Type, path: string): Adapt | null {
    const writerFields = fieldsOf(w);
    const readerFields = fieldsOf(r);
    const written = new Map(writerFields.map((f) => [f.name, f]));
    // Each reader field: where its value is in the writer's record (none: the default), and what
    // that value needs.
    const plan = readerFields.map((field) => {
      const name = field.name;
      // Resolution matches a reader field by its name, else by one of its aliases.
      const from = written.get(name) ?? field.aliases.map((a) => written.get(a)).find((f) => f !== undefined);
      const inner = from ? this.pair(from.type, field.type, path ? `${path}.${name}` : name) : null;
      return { field, from: from?.name, inner };
    });
    // A writer with the reader's fields, by name and in its order, is adapted in place. Any other
    // (a field more, one less, renamed or moved) is read into a new record with the reader's
    // fields in the reader's order, as resolution reads it: the record's keys and their order
    // are then the shipped schema's whatever the writer's, which the event digest relies on.
    const same =
      writerFields.length === readerFields.length && readerFields.every((f, i) => writerFields[i]?.name === f.name);
    if (!same) return resolved(plan);
    const steps = plan.flatMap(({ field, inner }) =>
      inner ? [(record: Fields) => put(record, field.name, inner(record[field.name]))] : [],
    );
    if (steps.length === 0) return null;
    return (v) => {
      if (v !== null && typeof v === 'object') for (const step of steps) step(v as Fields);
      return v;
    };
  }
}

/** The reader's record made from a writer's of other fields: each reader field in its order. */
function resolved(plan: readonly { field: Field; from: string | undefined; inner: Adapt | null }[]): Adapt {
  const steps = plan.map(({ field, from, inner }): ((record: Fields, out: Fields) => void) => {
    const name = field.name;
    if (from === undefined) {
      const value = field.defaultValue();
      // An object default as a fresh copy each time: records must not share it.
      if (value !== null && typeof value === 'object') return (_, out) => put(out, name, field.defaultValue());
      return (_, out) => put(out, name, value);
    }
    if (inner) return (record, out) => put(out, name, inner(record[from]));
    return (record, out) => put(out, name, record[from]);
  });
  return (v) => {
    if (v === null || typeof v !== 'object') return v;
    const out: Fields = {};
    for (const step of steps) step(v as Fields, out);
    return out;
  };
}

/** The reader's branch a writer's branch resolves to: the first that resolves, as avsc picks it. */
function readerBranch(writer: avro.Type, readers: readonly avro.Type[]): avro.Type | undefined {
  return readers.find((r) => {
    try {
      r.createResolver(writer, avroNameRule());
      return true;
    } catch {
      return false;
    }
  });
}

const eachItem =
  (adapt: Adapt): Adapt =>
  (v) => {
    if (Array.isArray(v)) for (let i = 0; i < v.length; i += 1) v[i] = adapt(v[i]);
    return v;
  };

const eachValue =
  (adapt: Adapt): Adapt =>
  (v) => {
    if (v === null || typeof v !== 'object') return v;
    for (const key of Object.keys(v)) {
      const before = (v as Fields)[key];
      const after = adapt(before);
      if (after !== before) put(v as Fields, key, after);
    }
    return v;
  };

/** Sets an own property, also one named __proto__ (a valid Avro name, and a map key from elsewhere). */
function put(record: Fields, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    record[key] = value;
  }
}

function kindOfType(type: avro.Type): string {
  const t = underlying(type);
  switch (t.typeName) {
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return 'number';
    case 'enum':
      return 'string';
    case 'bytes':
    case 'fixed':
      return 'buffer';
    case 'record':
    case 'error':
    case 'map':
      return 'object';
    default:
      return t.typeName;
  }
}

function kindOfValue(v: unknown): string {
  if (v === null) return 'null';
  if (Buffer.isBuffer(v)) return 'buffer';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
