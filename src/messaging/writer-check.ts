import avro from 'avsc';
import { CloseloopError, messageOf } from '../errors/index.ts';
import { READER_TIME_TYPES } from './avro-logical.ts';
import { adaptation, avroNameRule, type Adapt } from './writer-adapt.ts';

/** The writer schema's full name, when it is a named Avro type (avsc keeps it as `name`). */
function fullNameOf(writer: unknown): string | undefined {
  const name = (writer as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** Null when the writer schema is the expected record; else the error to dead-letter with. */
export function writerMismatch(writer: unknown, recordName: string, schemaId: number): CloseloopError | null {
  const actual = fullNameOf(writer);
  if (actual === recordName) return null;
  return new CloseloopError(
    'CL_SCHEMA_MISMATCH',
    `record with schema id ${schemaId} was written as ${actual ?? 'an unnamed schema'}, not ${recordName}`,
    { details: { schemaId, expected: recordName, actual: actual ?? null } },
  );
}

/**
 * The schema with every enum given a default, so that resolving a writer against it tolerates
 * symbols the reader lacks: a newer version of a subject may add one (BACKWARD-compatible), and
 * the records are still read with the writer's schema, the unknown symbol left for the domain's
 * own check (src/processor/inbound.ts) to refuse where it matters.
 */
function lenient(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lenient);
  if (!schema || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) copy[k] = k === 'default' ? v : lenient(v);
  const symbols = copy['symbols'];
  if (copy['type'] === 'enum' && Array.isArray(symbols) && copy['default'] === undefined) copy['default'] = symbols[0];
  return copy;
}

/**
 * What a process reads each record as. A writer schema with the right name may still differ in
 * structure: a producer that registered its own copy of the record under another subject, with
 * a field's type changed. Read with the writer's schema, such a record would decode, be decided,
 * and fail only when its values were encoded into the outputs, where the failure aborts the
 * transaction and the partition stalls. Checked here once per schema id instead: a writer the
 * reader cannot resolve (Avro's own rules: a field of another type, a field the reader needs
 * without a default) is CL_SCHEMA_MISMATCH, and its records go to the dead-letter topic.
 */
export class WriterCheck {
  /** Each record this process registered, by full name: the shipped schema it reads it as. */
  readonly #readers = new Map<string, avro.Type>();
  readonly #verdicts = new Map<number, Verdict>();

  /** The schema this process registered: from now on, records of its name are checked against it. */
  addReader(schema: Readonly<Record<string, unknown>>): void {
    // Its time units named, for writers' to be compared with (avro-logical.ts).
    const type = avro.Type.forSchema(lenient(schema) as avro.Schema, { logicalTypes: READER_TIME_TYPES });
    const name = fullNameOf(type);
    if (name === undefined) return;
    this.#readers.set(name, type);
    this.#verdicts.clear();
  }

  /** Null when records of schema `schemaId` can be taken as `recordName`; else why not. */
  verdict(writer: unknown, recordName: string, schemaId: number): CloseloopError | null {
    const mismatch = writerMismatch(writer, recordName, schemaId);
    if (mismatch) return mismatch;
    let verdict = this.#verdicts.get(schemaId);
    if (verdict === undefined) {
      verdict = this.#resolve(writer as avro.Type, recordName, schemaId);
      this.#verdicts.set(schemaId, verdict);
    }
    return verdict.error;
  }

  /**
   * The record read with the writer's schema `schemaId` as its reader takes it. A field the writer
   * lacks is given the reader's default (see writer-adapt.ts), as Avro resolution would. Then
   * what the reader cannot hold is refused: Avro resolves a writer whose field is `bytes`, or a
   * union with null, against a reader's `string`, yet read with the writer's schema the value is a
   * Buffer or a null the domain cannot take (it would throw on it, or the state built from it
   * would fail to encode, on every fetch). Both only for writers that differ from the reader: one
   * equal to it costs a lookup. Symbols the reader's enums lack are left to the domain (see
   * lenient). Throws CL_SCHEMA_MISMATCH naming the fields and the kinds of value, never the values.
   */
  conform<T>(value: T, writer: unknown, recordName: string, schemaId: number): T {
    // Looked up again, not carried over from verdict(): a registration in between clears them.
    let verdict = this.#verdicts.get(schemaId);
    if (verdict === undefined) {
      verdict = this.#resolve(writer as avro.Type, recordName, schemaId);
      this.#verdicts.set(schemaId, verdict);
    }
    if (verdict.adapt) value = verdict.adapt(value) as T;
    // The plain check first: the error hook makes avsc track every field's path, valid or not.
    if (!verdict.reader || verdict.reader.isValid(value)) return value;
    const problems: string[] = [];
    verdict.reader.isValid(value, {
      errorHook: (path, any, type) => {
        if (!unknownSymbol(any, type))
          problems.push(`${path.join('.') || 'the record'} is ${kindOf(any)}, not ${typeNameOf(type)}`);
      },
    });
    if (problems.length === 0) return value;
    throw new CloseloopError(
      'CL_SCHEMA_MISMATCH',
      `record with schema id ${schemaId} holds what a ${verdict.recordName} cannot: ${problems.slice(0, 3).join('; ')}`,
      { details: { schemaId, expected: verdict.recordName, actual: verdict.recordName } },
    );
  }

  #resolve(writer: avro.Type, recordName: string, schemaId: number): Verdict {
    const reader = this.#readers.get(recordName);
    if (!reader) return { error: null, reader: null, adapt: null, recordName };
    // Nested named types matched by their unqualified name (avroNameRule); the record itself
    // has the full name recordName (writerMismatch, checked first).
    try {
      reader.createResolver(writer, avroNameRule());
    } catch (err) {
      return { error: unreadable(schemaId, recordName, messageOf(err)), reader: null, adapt: null, recordName };
    }
    // Worked out whatever the fingerprint: Parsing Canonical Form leaves logical types out, so a
    // writer that differs from the reader only in a field's time unit has the reader's.
    const { adapt, refusals } = adaptation(writer, reader);
    if (refusals.length > 0) {
      return { error: unreadable(schemaId, recordName, refusals.join('; ')), reader: null, adapt: null, recordName };
    }
    // The schema this process registered reads its own records as they are: nothing to check.
    // (Parsing Canonical Form, which leaves the lenient reader's enum defaults out).
    const same = writer.fingerprint().equals(reader.fingerprint());
    return { error: null, reader: same ? null : reader, adapt, recordName };
  }
}

/**
 * A schema id's verdict: why its records cannot be read, or the reader to check each one against
 * and what each needs first.
 */
interface Verdict {
  readonly error: CloseloopError | null;
  readonly reader: avro.Type | null;
  readonly adapt: Adapt | null;
  readonly recordName: string;
}

/** CL_SCHEMA_MISMATCH for a writer schema the reader cannot take, once per schema id. */
function unreadable(schemaId: number, recordName: string, why: string): CloseloopError {
  return new CloseloopError(
    'CL_SCHEMA_MISMATCH',
    `record with schema id ${schemaId} is a ${recordName} this closeloop cannot read: ${why}`,
    { details: { schemaId, expected: recordName, actual: recordName } },
  );
}

/** A string where the reader has an enum: a symbol a newer writer added, for the domain to judge. */
function unknownSymbol(value: unknown, type: avro.Type): boolean {
  if (typeof value !== 'string') return false;
  if (type.typeName === 'enum') return true;
  const members = (type as { types?: readonly avro.Type[] }).types;
  return Array.isArray(members) && members.some((t) => t.typeName === 'enum');
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Buffer.isBuffer(value)) return 'bytes';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function typeNameOf(type: avro.Type): string {
  const members = (type as { types?: readonly avro.Type[] }).types;
  if (Array.isArray(members)) return members.map((t) => t.typeName).join(' or ');
  return type.typeName;
}
