import { describe, expect, it } from 'vitest';
import { AvroSerde, readSchemaId } from '../../src/messaging/index.ts';
import { startLoopback } from '../support/loopback-registry.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const record = (name: string, extra: object[] = []) => ({
  type: 'record',
  name,
  namespace: 'io.test',
  fields: [{ name: 'ticketId', type: 'string' }, { name: 'n', type: 'int' }, ...extra],
});

async function setup() {
  const { url, serde } = await startLoopback(cleanup);
  // A second serde writes, so the first has fetched nothing but what it decodes itself.
  const writer = new AvroSerde({ url, retries: 0 });
  await writer.register('status-value', record('Status'));
  await writer.register('command-value', record('Command'));
  return { serde, writer };
}

const settle = <T>(f: () => T): Promise<T> => new Promise<T>((resolve) => resolve(f()));

describe('AvroSerde.encodeKnown', () => {
  it('encodes without a promise once the subject has been encoded, with the id registered last', async () => {
    const { serde } = await setup();
    const value = { ticketId: 'A', n: 1 };
    expect(serde.encodeKnown('status-value', value)).toBeUndefined();
    const encoded = await serde.encode('status-value', value);
    expect(serde.encodeKnown('status-value', value)?.equals(encoded)).toBe(true);

    const v2 = await serde.register('status-value', record('Status', [{ name: 'note', type: 'string', default: '' }]));
    expect(v2).not.toBe(readSchemaId(encoded));
    expect(serde.encodeKnown('status-value', value)).toBeUndefined();
    expect(readSchemaId(await serde.encode('status-value', value))).toBe(v2);
    expect(readSchemaId(serde.encodeKnown('status-value', value) ?? Buffer.alloc(0))).toBe(v2);
  });
});

describe('AvroSerde.decodeKnown', () => {
  it('decodes without a promise once a record with the id was decoded, as decodeAs does', async () => {
    const { serde, writer } = await setup();
    const framed = await writer.encode('status-value', { ticketId: 'A', n: 1 });
    expect(serde.decodeKnown(framed, 'io.test.Status')).toBeUndefined();
    const decoded = await serde.decodeAs(framed, 'io.test.Status');
    expect(serde.decodeKnown(framed, 'io.test.Status')).toEqual(decoded);
  });

  it('fails as decodeAs does: tombstone, another topic record, a truncated body, a bad frame', async () => {
    const { serde, writer } = await setup();
    const command = await writer.encode('command-value', { ticketId: 'B', n: 2 });
    const status = await writer.encode('status-value', { ticketId: 'A', n: 1 });
    await serde.decodeAs(status, 'io.test.Status');
    // Rejected by decodeAs while the command schema is not in hand yet, and thrown once it is.
    const cases: [Buffer | null, string][] = [
      [null, 'CL_DECODE_MALFORMED'],
      [command, 'CL_SCHEMA_MISMATCH'],
      [status.subarray(0, status.length - 1), 'CL_DECODE_MALFORMED'],
      [Buffer.from([1, 0, 0, 0, 1]), 'CL_DECODE_MALFORMED'],
    ];
    for (const [buffer, code] of cases) {
      const rejected = await serde.decodeAs(buffer, 'io.test.Status').catch((e: unknown) => e);
      expect(rejected).toMatchObject({ code });
      const thrown = await settle(() => serde.decodeKnown(buffer, 'io.test.Status')).catch((e: unknown) => e);
      expect(thrown).toEqual(rejected);
      expect((thrown as Error).message).toBe((rejected as Error).message);
    }
  });
});
