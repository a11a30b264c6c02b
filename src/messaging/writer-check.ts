import avro from 'avsc';
import { CloseloopError, messageOf } from '../errors/index.ts';

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
  readonly #verdicts = new Map<number, CloseloopError | null>();

  /** The schema this process registered: from now on, records of its name are checked against it. */
  addReader(schema: Readonly<Record<string, unknown>>): void {
    const type = avro.Type.forSchema(lenient(schema) as avro.Schema);
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
    return verdict;
  }

  #resolve(writer: avro.Type, recordName: string, schemaId: number): CloseloopError | null {
    const reader = this.#readers.get(recordName);
    if (!reader) return null;
    try {
      reader.createResolver(writer);
      return null;
    } catch (err) {
      return new CloseloopError(
        'CL_SCHEMA_MISMATCH',
        `record with schema id ${schemaId} is a ${recordName} this closeloop cannot read: ${messageOf(err)}`,
        { details: { schemaId, expected: recordName, actual: recordName } },
      );
    }
  }
}
