import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { readSchemaId } from '../../src/messaging/index.ts';

describe('Confluent wire format header', () => {
  it('reads the big-endian schema id after the magic byte', () => {
    expect(readSchemaId(Buffer.from([0, 0, 0, 1, 2, 99]))).toBe(258);
  });

  it.each([
    ['too short', Buffer.from([0, 0, 0])],
    ['wrong magic byte', Buffer.from([1, 0, 0, 0, 1, 2])],
    ['JSON text', Buffer.from('{"a":1}')],
  ])('rejects %s as malformed', (_name, buf) => {
    expect(() => readSchemaId(buf)).toThrow(CloseloopError);
    try {
      readSchemaId(buf);
    } catch (err) {
      expect((err as CloseloopError).code).toBe('CL_DECODE_MALFORMED');
    }
  });
});
