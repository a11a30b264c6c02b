import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lookupJson } from '../../src/sdk/index.ts';

const schema = z.object({ id: z.string() });
const failing = (status: number) => () => Promise.reject(Object.assign(new Error('nope'), { response: { status } }));

describe('lookupJson', () => {
  it('parses the item the system knows', async () => {
    expect(await lookupJson('reading x', schema, () => Promise.resolve({ data: '{"id":"x"}' }))).toEqual({ id: 'x' });
  });

  it('answers null for a 404: the item is missing, not an error', async () => {
    expect(await lookupJson('reading x', schema, failing(404))).toBeNull();
  });

  it('keeps every other failure classified', async () => {
    await expect(lookupJson('reading x', schema, failing(503))).rejects.toMatchObject({
      code: 'CL_CONNECTOR_RETRIABLE',
      retriable: true,
    });
    // Refused credentials are an outage of the connector, not a missing item.
    await expect(lookupJson('reading x', schema, failing(403))).rejects.toMatchObject({
      code: 'CL_CONNECTOR_UNAUTHORIZED',
    });
    await expect(lookupJson('reading x', schema, failing(400))).rejects.toMatchObject({
      code: 'CL_CONNECTOR_REJECTED',
    });
    await expect(lookupJson('reading x', schema, () => Promise.resolve({ data: '{"id":1}' }))).rejects.toMatchObject({
      code: 'CL_CONNECTOR_MALFORMED',
    });
  });
});
