import { CloseloopError } from '../errors/index.ts';

/** Confluent wire format: magic byte 0, the schema id as a big-endian int32, then the Avro body. */
export const MAGIC_BYTE = 0;
export const HEADER_LENGTH = 5;

export function readSchemaId(buffer: Buffer): number {
  if (buffer.length < HEADER_LENGTH) {
    throw new CloseloopError(
      'CL_DECODE_MALFORMED',
      `record of ${buffer.length} bytes is too short for the wire format`,
    );
  }
  if (buffer[0] !== MAGIC_BYTE) {
    throw new CloseloopError('CL_DECODE_MALFORMED', `record starts with byte ${buffer[0]}, not the magic byte 0`);
  }
  const id = buffer.readInt32BE(1);
  if (id === 0) throw unassignedId(buffer);
  return id;
}

/** A record's headers, as the messaging port gives them. */
export type RecordHeaders = Readonly<Record<string, Buffer | string | undefined>>;

/** Where Apicurio's serde puts the writer's id with headers enabled (its DefaultHeadersHandler). */
const APICURIO_ID_HEADERS = ['apicurio.value.globalId', 'apicurio.value.contentId'] as const;

/**
 * Refuses a value whose writer's id is in Apicurio's headers (its serde with
 * apicurio.registry.headers.enabled): the value is then the bare Avro body, with no magic byte and
 * no id, and read as the Confluent wire format its first bytes would be taken for a schema id (a
 * body starting with byte 0 names some id, waited for or read with the wrong schema). Apicurio's
 * own deserializer takes the id from these headers whenever they are there, so they decide here
 * too, whatever the value's first byte.
 */
export function refuseApicurioHeaders(headers: RecordHeaders | undefined): void {
  if (headers === undefined) return;
  for (const name of APICURIO_ID_HEADERS) {
    const value = headers[name];
    if (value === undefined) continue;
    const id = typeof value !== 'string' && value.length === 8 ? value.readBigInt64BE(0).toString() : 'unreadable';
    throw new CloseloopError(
      'CL_DECODE_MALFORMED',
      `record carries its schema id in Apicurio's header ${name} (${id}) and a bare Avro body, not the ` +
        'Confluent wire format closeloop reads: configure the producer with apicurio.registry.headers.enabled=false ' +
        'and apicurio.registry.id-handler=io.apicurio.registry.serde.Default4ByteIdHandler with ' +
        'apicurio.registry.use-id=contentId (the defaults of Apicurio 3), or use a Confluent serializer',
      { details: { framing: 'apicurio-headers', apicurioHeader: name, apicurioId: id } },
    );
  }
}

/** Apicurio's Legacy8ByteIdHandler: magic byte 0, then the id as a big-endian int64. */
const APICURIO_8_BYTE_HEADER = 9;

/**
 * No registry hands out schema id 0: Confluent's ids and Apicurio's content and global ids all
 * start at 1. So a record whose four id bytes are all 0 is no Confluent record of any registry,
 * and asking the registry for id 0 (and waiting out its 404 as a lagging replica's) would be a
 * wait for nothing. What writes it is Apicurio's serde with its 8-byte id handler (the default of
 * Apicurio 2.x): magic byte 0, then the id as an int64, whose high four bytes are 0 for any id
 * below 2^32. Only id 0 is taken so: a Confluent id below 2^24 also starts with a 0 byte, and is
 * read as it is. The record is named for what it is, and dead-lettered at once (not retriable).
 */
function unassignedId(buffer: Buffer): CloseloopError {
  if (buffer.length < APICURIO_8_BYTE_HEADER) {
    return new CloseloopError('CL_DECODE_MALFORMED', 'record names schema id 0, which no registry assigns');
  }
  const id = buffer.readBigInt64BE(1);
  return new CloseloopError(
    'CL_DECODE_MALFORMED',
    `record is in Apicurio's 8-byte id framing (magic byte 0, then id ${id} in 8 bytes: a global id by ` +
      "default), not the Confluent wire format's 4-byte id closeloop reads: configure the producer with " +
      'apicurio.registry.id-handler=io.apicurio.registry.serde.Default4ByteIdHandler and ' +
      'apicurio.registry.use-id=contentId (the defaults of Apicurio 3), or use a Confluent serializer',
    { details: { framing: 'apicurio-8-byte-id', apicurioId: id.toString() } },
  );
}

/** The part of an avsc Type the writer needs. */
interface AvroEncoder {
  encode(value: unknown, buffer: Buffer, position: number): number;
}

// Records are written one after another into a slab, which they all fill a little of, as
// Node's own Buffer pool does for small buffers.
const SLAB_SIZE = 64 * 1024;
// A record larger than this gets a buffer of its own rather than the most of a fresh slab.
const OWN_BUFFER_FROM = SLAB_SIZE / 4;

/**
 * Frames Avro bodies in the wire format without a copy: the header and body are written into a
 * slab at the end of the records written before, and handed out as a view of those bytes. The
 * registry client's own encode allocates a zero-filled body, a header and their concatenation;
 * writing into a reused scratch buffer and copying out saved the processor about 5 % of its CPU
 * per event (it writes 1.3 records per input on the bench's load); writing in place instead of
 * copying out takes 4 % less CPU again per write, Avro encoding included (measured over a
 * department phase's statuses and states).
 *
 * The bytes handed out are never written again: a write starts past every record handed out,
 * and a record that does not fit what is left of the slab goes into a fresh one, so a record
 * stays as it is for as long as it is held (until its transaction is sent). A slab is freed
 * with the last record that views it. A write runs to completion synchronously, so one slab per
 * serde is never shared by two writes, and a write that throws hands nothing out.
 */
export class WireWriter {
  #slab = Buffer.allocUnsafe(SLAB_SIZE);
  /** Where the next record starts; kept at most SLAB_SIZE - HEADER_LENGTH, so a header fits. */
  #used = 0;

  /** Throws whatever the type throws for a value it cannot encode. */
  write(schemaId: number, type: AvroEncoder, value: unknown): Buffer {
    const slab = this.#slab;
    const start = this.#used;
    const end = type.encode(value, header(slab, start, schemaId), start + HEADER_LENGTH);
    if (end >= 0) {
      if (end > SLAB_SIZE - HEADER_LENGTH) this.#fresh();
      else this.#used = end;
      return slab.subarray(start, end);
    }
    // avsc answers a buffer that is too small with minus the bytes missing.
    const size = slab.length - end - start;
    if (size > OWN_BUFFER_FROM) {
      const own = header(Buffer.allocUnsafe(size), 0, schemaId);
      type.encode(value, own, HEADER_LENGTH);
      return own;
    }
    this.#fresh();
    const fresh = this.#slab;
    type.encode(value, header(fresh, 0, schemaId), HEADER_LENGTH);
    this.#used = size;
    return fresh.subarray(0, size);
  }

  #fresh(): void {
    this.#slab = Buffer.allocUnsafe(SLAB_SIZE);
    this.#used = 0;
  }
}

function header(buffer: Buffer, at: number, schemaId: number): Buffer {
  buffer[at] = MAGIC_BYTE;
  buffer.writeInt32BE(schemaId, at + 1);
  return buffer;
}
