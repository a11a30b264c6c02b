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
  return buffer.readInt32BE(1);
}
