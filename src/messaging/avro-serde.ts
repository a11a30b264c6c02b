import { SchemaRegistry, SchemaType, type COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { CloseloopError, messageOf, type RetryPolicy } from '../errors/index.ts';
import { readNotFoundAnswers, registryAnswers } from './registry-answer.ts';
import { isRegistryFailure, registryStatus, translateRegistryError } from './registry-errors.ts';
import { RegistryLag } from './registry-lag.ts';
import { registryTimeout } from './registry-timeout.ts';
import { readSchemaDirectory, type SchemaFile } from './schema-files.ts';
import { settlingLevelRace, waitingOutRegistry, type RegisterOptions } from './registration.ts';
import type { Logger } from '../observability/logger.ts';
import { WRITER_TIME_TYPES } from './avro-logical.ts';
import { ownKeysMaps } from './avro-map.ts';
import { sharedType } from './shared-type.ts';
import { nativeStrings } from './avro-string.ts';
import { malformed, read, tombstone } from './avro-read.ts';
import { readSchemaId, refuseApicurioHeaders, WireWriter, type RecordHeaders } from './wire-format.ts';
import { avroNameRule } from './writer-adapt.ts';
import { WriterCheck } from './writer-check.ts';

export type CompatibilityLevel = `${COMPATIBILITY}`;

export interface RegistrySettings {
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:18081/apis/ccompat/v7 */
  readonly url: string;
  /** The level every subject must be governed by; registration refuses to go on otherwise. */
  readonly compatibility?: CompatibilityLevel;
  readonly username?: string;
  readonly password?: string;
  readonly retries?: number;
  /**
   * How long one request may wait for the registry's answer (default 10 s): a registry that
   * takes the connection and never answers is then unreachable (retriable), not a hang.
   */
  readonly timeoutMs?: number;
  /**
   * How long a schema id the registry answers 404 for is asked for again before it is taken as
   * unknown (default 5 s): a registry replica behind its leader (see registry-lag.ts).
   */
  readonly unknownIdWaitMs?: number;
  /** Where register() says it is waiting out a registry that did not answer (see registration.ts). */
  readonly log?: Logger;
  /** How register() waits out a registry that does not answer (default REGISTRY_START_RETRY). */
  readonly registerRetry?: RetryPolicy;
}

export interface Decoded<T = unknown> {
  readonly schemaId: number;
  readonly value: T;
}

interface CompatibilityAnswer {
  is_compatible?: boolean;
  messages?: unknown;
}

/**
 * Avro encode/decode in the Confluent wire format, with schema registration under a required
 * compatibility level. Failures come out as CloseloopErrors whose code says where they go:
 * unknown ids and malformed bytes are data errors (dead-letter), an unreachable registry is
 * retriable (pause).
 */
export class AvroSerde {
  readonly #registry: SchemaRegistry;
  readonly #compatibility: CompatibilityLevel;
  readonly #latest = new Map<string, number>();
  /** The registry client caches schemas too, but behind a promise per call. */
  readonly #types = new Map<number, avro.Type>();
  /**
   * A subject's latest id and its type, together: one lookup per record instead of two, and
   * encodeKnown can answer without a promise. Dropped whenever the subject's latest id is set.
   */
  readonly #encoders = new Map<string, { readonly id: number; readonly type: avro.Type }>();
  readonly #writer = new WireWriter();
  readonly #check = new WriterCheck();
  readonly #lag: RegistryLag;
  readonly #log: Logger | undefined;
  readonly #registerRetry: RetryPolicy | undefined;

  constructor(settings: RegistrySettings) {
    this.#compatibility = settings.compatibility ?? 'BACKWARD';
    this.#lag = new RegistryLag(settings.unknownIdWaitMs);
    this.#log = settings.log;
    this.#registerRetry = settings.registerRetry;
    this.#registry = new SchemaRegistry(
      {
        host: settings.url,
        clientId: 'closeloop',
        retry: { retries: settings.retries ?? 3, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 2 },
        middlewares: [registryTimeout(settings.timeoutMs ?? 10_000), registryAnswers()],
        ...(settings.username !== undefined && settings.password !== undefined
          ? { auth: { username: settings.username, password: settings.password } }
          : {}),
      },
      {
        [SchemaType.AVRO]: {
          typeHook: (schema, opts) => ownKeysMaps(schema, opts) ?? nativeStrings(schema),
          // Decoded records are plain data: without avsc's clone/toBuffer/... on their prototype,
          // walking one's fields (the event digest does, for every event) meets only its fields.
          omitRecordMethods: true,
          // A writer's time unit kept by name, for WriterCheck to compare with the reader's.
          logicalTypes: WRITER_TIME_TYPES,
        },
      },
    );
    readNotFoundAnswers(this.#registry);
  }

  /**
   * Registers a schema after an explicit compatibility check, so an incompatible change is
   * reported with the registry's reasons before anything is written. Returns the schema id. A
   * registry that does not answer is waited out for a while (registration.ts).
   */
  async register(
    subject: string,
    schema: Readonly<Record<string, unknown>>,
    options: RegisterOptions = {},
  ): Promise<number> {
    const text = JSON.stringify(schema);
    this.#check.addReader(schema);
    return waitingOutRegistry(
      subject,
      async () => {
        await this.#checkCompatible(subject, text);
        return settlingLevelRace(
          () => this.#register(subject, text),
          (err) => this.#registerError(subject, err),
        );
      },
      { log: options.log ?? this.#log, retry: options.retry ?? this.#registerRetry, signal: options.signal },
    );
  }

  async #register(subject: string, text: string): Promise<number> {
    const { id } = await this.#registry.register(
      { type: SchemaType.AVRO, schema: text },
      { subject, compatibility: this.#compatibility as COMPATIBILITY },
    );
    this.#setLatest(subject, id);
    return id;
  }

  #setLatest(subject: string, id: number): void {
    this.#latest.set(subject, id);
    this.#encoders.delete(subject);
  }

  #registerError(subject: string, err: unknown): CloseloopError {
    if (err instanceof Error && err.name === 'ConfluentSchemaRegistryCompatibilityError') {
      return new CloseloopError(
        'CL_SCHEMA_REGISTRY_MISCONFIGURED',
        `subject ${subject}: ${err.message}. closeloop requires ${this.#compatibility}; set it as the ` +
          'registry-wide default (Apicurio: -Dapicurio.rules.global.compatibility) or on the subject.',
        { cause: err, details: { subject } },
      );
    }
    return translateRegistryError(err, `registering ${subject}`, 'CL_SCHEMA_REGISTRY_REJECTED');
  }

  /**
   * Takes a shipped schema as what records of its name are read as, without registering it: a
   * process that only reads a topic foreign producers write (the status API reads the CRM's) has
   * their records conformed by decodeAs as the processor, which registers, has them.
   */
  readAs(schema: Readonly<Record<string, unknown>>): void {
    this.#check.addReader(schema);
  }

  /** Registers every `<topic>.avsc` in dir under `<topic>-value`; returns subject → id. */
  async registerDirectory(dir: string): Promise<Map<string, number>> {
    const files: SchemaFile[] = await readSchemaDirectory(dir);
    const ids = new Map<string, number>();
    for (const f of files) ids.set(f.subject, await this.register(f.subject, f.schema));
    return ids;
  }

  async encode(subject: string, value: unknown): Promise<Buffer> {
    const known = this.#encoders.get(subject);
    if (known) return this.#write(subject, known.id, known.type, value);
    const id = this.#latest.get(subject) ?? (await this.#lookupLatest(subject));
    const type = this.#types.get(id) ?? (await this.#typeOf(id, `encoding for ${subject}`, 'CL_SCHEMA_NOT_REGISTERED'));
    // Unless a registration set another id while the schema was fetched.
    if (this.#latest.get(subject) === id) this.#encoders.set(subject, { id, type });
    return this.#write(subject, id, type, value);
  }

  /**
   * As encode, without a promise, once the subject's schema is in hand (an earlier encode for the
   * subject fetched it); undefined when it is not, and encode must fetch it. Throws what encode
   * rejects with for a value that does not match.
   */
  encodeKnown(subject: string, value: unknown): Buffer | undefined {
    const known = this.#encoders.get(subject);
    return known && this.#write(subject, known.id, known.type, value);
  }

  #write(subject: string, id: number, type: avro.Type, value: unknown): Buffer {
    try {
      return this.#writer.write(id, type, value);
    } catch (err) {
      const paths: string[][] = [];
      type.isValid(value, { errorHook: (path) => paths.push(path) });
      throw new CloseloopError(
        'CL_ENCODE_INVALID',
        `value does not match ${subject} (schema ${id}): ${messageOf(err)}`,
        {
          cause: err,
          details: { subject, schemaId: id, invalidPaths: paths.map((p) => p.join('.')) },
        },
      );
    }
  }

  /**
   * Decodes with the writer's schema from the registry, or, given a reader schema, resolves the
   * writer's data into it (Avro schema resolution), as an older or newer consumer would. Given
   * the record's headers, a value framed by them (Apicurio's serde with headers) is refused.
   */
  async decode<T = unknown>(
    buffer: Buffer | null,
    readerSchema?: Readonly<Record<string, unknown>>,
    headers?: RecordHeaders,
  ): Promise<Decoded<T>> {
    if (buffer === null) throw tombstone();
    refuseApicurioHeaders(headers);
    const schemaId = readSchemaId(buffer);
    if (readerSchema) return { schemaId, value: (await this.#resolve(buffer, schemaId, readerSchema)) as T };
    const context = `decoding a record with schema id ${schemaId}`;
    const type = this.#types.get(schemaId) ?? (await this.#typeOf(schemaId, context));
    return { schemaId, value: read<T>(type, schemaId, buffer) };
  }

  /** Decodes into a reader schema through the registry client, which resolves the writer's data. */
  async #resolve(buffer: Buffer, schemaId: number, readerSchema: Readonly<Record<string, unknown>>): Promise<unknown> {
    try {
      const options = { [SchemaType.AVRO]: { readerSchema } } as unknown as Parameters<SchemaRegistry['decode']>[1];
      return await this.#registry.decode(buffer, options);
    } catch (err) {
      if (isRegistryFailure(err)) {
        throw translateRegistryError(err, `decoding a record with schema id ${schemaId}`, 'CL_SCHEMA_UNKNOWN_ID');
      }
      throw malformed(schemaId, err);
    }
  }

  /**
   * The Avro type of a registered schema id, fetched once (a 404 asked for again a while, see
   * registry-lag.ts). A schema of another type (JSON, Protobuf) is refused with `notAvro`:
   * closeloop reads and writes Avro only.
   */
  async #typeOf(
    id: number,
    context: string,
    notAvro: 'CL_DECODE_MALFORMED' | 'CL_SCHEMA_NOT_REGISTERED' = 'CL_DECODE_MALFORMED',
  ): Promise<avro.Type> {
    let schema: unknown;
    try {
      schema = await this.#lag.fetch(id, () => this.#registry.getSchema(id));
    } catch (err) {
      // The registry failing, not knowing the id, or something answering in its place is its
      // answer to translate. Anything else is the client failing on a schema the registry gave
      // that avsc cannot parse: bad data, which goes to a dead letter, not an outage to wait out.
      if (isRegistryFailure(err)) {
        throw translateRegistryError(err, context, 'CL_SCHEMA_UNKNOWN_ID');
      }
      throw new CloseloopError(notAvro, `${context}: schema ${id} cannot be read: ${messageOf(err)}`, {
        cause: err,
        // The schema the registry gave is at fault, not the record's bytes (see restore.ts).
        details: { schemaId: id, schemaUnreadable: true },
      });
    }
    // isType, not instanceof: the registry client may resolve a copy of avsc of its own.
    if (!avro.Type.isType(schema)) {
      throw new CloseloopError(notAvro, `${context}: schema ${id} is not an Avro schema`, {
        details: { schemaId: id, schemaUnreadable: true },
      });
    }
    const type = sharedType(schema as avro.Type);
    this.#types.set(id, type);
    return type;
  }

  /**
   * Decodes a record of a topic whose records must be `recordName` (a full name such as
   * io.closeloop.v1.CrmTicketEvent). A valid record of another topic's schema would otherwise
   * decode fine and be taken for this topic's, with every field it lacks undefined. A writer of
   * `recordName` that differs from the schema this serde registered (or took with readAs) for it
   * is taken as that schema would read it: a field the writer lacks holds the reader's default,
   * a time in microseconds is read as milliseconds (WriterCheck.conform).
   */
  async decodeAs<T = unknown>(buffer: Buffer | null, recordName: string, headers?: RecordHeaders): Promise<Decoded<T>> {
    const known = this.decodeKnown<T>(buffer, recordName, headers);
    if (known) return known;
    if (buffer !== null) {
      const schemaId = readSchemaId(buffer);
      const writer =
        this.#types.get(schemaId) ?? (await this.#typeOf(schemaId, `decoding a record with schema id ${schemaId}`));
      const mismatch = this.#check.verdict(writer, recordName, schemaId);
      if (mismatch) throw mismatch;
    }
    const decoded = await this.decode<T>(buffer);
    const writer = this.#types.get(decoded.schemaId);
    if (!writer) return decoded;
    return {
      schemaId: decoded.schemaId,
      value: this.#check.conform(decoded.value, writer, recordName, decoded.schemaId),
    };
  }

  /**
   * As decodeAs, without a promise, when the writer's schema is in hand (an earlier record
   * with its id fetched it); undefined when it is not, and decodeAs must fetch it. Throws what
   * decodeAs rejects with.
   */
  decodeKnown<T = unknown>(buffer: Buffer | null, recordName: string, headers?: RecordHeaders): Decoded<T> | undefined {
    if (buffer === null) throw tombstone();
    refuseApicurioHeaders(headers);
    const schemaId = readSchemaId(buffer);
    const writer = this.#types.get(schemaId);
    if (!writer) return undefined;
    const mismatch = this.#check.verdict(writer, recordName, schemaId);
    if (mismatch) throw mismatch;
    return { schemaId, value: this.#check.conform(read<T>(writer, schemaId, buffer), writer, recordName, schemaId) };
  }

  async #lookupLatest(subject: string): Promise<number> {
    try {
      const id = await this.#registry.getLatestSchemaId(subject);
      this.#setLatest(subject, id);
      return id;
    } catch (err) {
      throw translateRegistryError(err, `looking up the schema of ${subject}`, 'CL_SCHEMA_NOT_REGISTERED');
    }
  }

  async #localReason(subject: string, schema: string): Promise<string[]> {
    try {
      const latest = await this.#registry.getLatestSchemaId(subject);
      const writer = await this.#registry.getSchema(latest);
      const reader = avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
      // Nested types matched by unqualified name, as the registry matched them: a reason that
      // named a namespace would not be why it refused.
      reader.createResolver(writer as avro.Type, avroNameRule());
      return [];
    } catch (err) {
      return [`a reader with the new schema cannot read data written with the latest one: ${messageOf(err)}`];
    }
  }

  async #checkCompatible(subject: string, schema: string): Promise<void> {
    let answer: CompatibilityAnswer;
    try {
      const api = (
        this.#registry as unknown as {
          api: { Subject: { compatible(a: unknown): Promise<{ data(): CompatibilityAnswer }> } };
        }
      ).api;
      const res = await api.Subject.compatible({ subject, version: 'latest', verbose: true, body: { schema } });
      answer = res.data();
    } catch (err) {
      // 404: nothing registered yet under this subject, so there is nothing to be compatible with.
      if (registryStatus(err) === 404) return;
      throw translateRegistryError(err, `checking compatibility of ${subject}`, 'CL_SCHEMA_REGISTRY_REJECTED');
    }
    if (answer.is_compatible === false) {
      const given = Array.isArray(answer.messages) ? answer.messages.map(String) : [];
      // Apicurio ignores ?verbose=true and answers without reasons; avsc can name one.
      const reasons = given.length > 0 ? given : await this.#localReason(subject, schema);
      throw new CloseloopError(
        'CL_SCHEMA_INCOMPATIBLE',
        `new schema for ${subject} is not ${this.#compatibility}-compatible${reasons.length ? `: ${reasons.join('; ')}` : ''}`,
        { details: { subject, reasons } },
      );
    }
  }
}
