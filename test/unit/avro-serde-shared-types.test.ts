import { describe, expect, it } from 'vitest';
import { AvroSerde, readSchemaId } from '../../src/messaging/index.ts';
import { startLoopback } from '../support/loopback-registry.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const fields = [
  { name: 'ticketId', type: 'string' },
  { name: 'n', type: 'int' },
];

// Records of one schema must come out of one type, whichever serde or id decoded them: code
// that meets records of one schema in two shapes runs polymorphic (see sharedType).
describe('AvroSerde: one type per schema in a thread', () => {
  it('gives records of one shape to two serdes, and to two ids of one schema', async () => {
    const { url, serde } = await startLoopback(cleanup);
    const other = new AvroSerde({ url, retries: 0 });
    await serde.register('status-value', { type: 'record', name: 'Status', namespace: 'io.shared', fields });
    // The same schema written with its keys in another order: another text, so another id.
    const again = await serde.register('status-copy-value', {
      namespace: 'io.shared',
      name: 'Status',
      type: 'record',
      fields,
    });
    const first = await serde.encode('status-value', { ticketId: 'A', n: 1 });
    const copy = await serde.encode('status-copy-value', { ticketId: 'B', n: 2 });
    expect(readSchemaId(copy)).toBe(again);
    expect(readSchemaId(copy)).not.toBe(readSchemaId(first));

    const a = (await serde.decodeAs<object>(first, 'io.shared.Status')).value;
    const b = (await other.decodeAs<object>(first, 'io.shared.Status')).value;
    const c = (await other.decodeAs<object>(copy, 'io.shared.Status')).value;
    expect([a, b, c]).toEqual([
      { ticketId: 'A', n: 1 },
      { ticketId: 'A', n: 1 },
      { ticketId: 'B', n: 2 },
    ]);
    expect(Object.getPrototypeOf(b)).toBe(Object.getPrototypeOf(a));
    expect(Object.getPrototypeOf(c)).toBe(Object.getPrototypeOf(a));
  });

  it('keeps schemas that differ apart, each decoding its own fields', async () => {
    const { url, serde } = await startLoopback(cleanup);
    const other = new AvroSerde({ url, retries: 0 });
    await serde.register('v1-value', { type: 'record', name: 'Versioned', namespace: 'io.apart', fields });
    const note = { name: 'note', type: 'string', default: '' };
    await serde.register('v2-value', {
      type: 'record',
      name: 'Versioned',
      namespace: 'io.apart',
      fields: [...fields, note],
    });
    const v1 = await serde.encode('v1-value', { ticketId: 'A', n: 1 });
    const v2 = await serde.encode('v2-value', { ticketId: 'B', n: 2, note: 'kept' });
    const one = (await other.decode<object>(v1)).value;
    const two = (await other.decode<object>(v2)).value;
    expect(one).toEqual({ ticketId: 'A', n: 1 });
    expect(two).toEqual({ ticketId: 'B', n: 2, note: 'kept' });
    expect(Object.getPrototypeOf(two)).not.toBe(Object.getPrototypeOf(one));
  });
});
