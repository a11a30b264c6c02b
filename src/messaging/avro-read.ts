import type avro from 'avsc';
import { CloseloopError, messageOf } from '../errors/index.ts';
import { HEADER_LENGTH } from './wire-format.ts';

/** How AvroSerde reads a record's Avro body, and the data errors it fails with. */

export const tombstone = () =>
  new CloseloopError('CL_DECODE_MALFORMED', 'record has no value (tombstone) where one is required');

/** The Avro body after the wire format's header, read with the writer's type. */
export function read<T>(type: avro.Type, schemaId: number, buffer: Buffer): T {
  try {
    return type.fromBuffer(buffer.subarray(HEADER_LENGTH)) as T;
  } catch (err) {
    throw malformed(schemaId, err);
  }
}

// Anything but the registry failing is avsc failing on the body: truncated or written with another schema.
export function malformed(schemaId: number, err: unknown): CloseloopError {
  return new CloseloopError(
    'CL_DECODE_MALFORMED',
    `record with schema id ${schemaId} does not decode: ${messageOf(err)}`,
    {
      cause: err,
      details: { schemaId },
    },
  );
}
