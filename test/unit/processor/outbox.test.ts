import { describe, expect, it } from 'vitest';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import { subjectForTopic } from '../../../src/messaging/index.ts';
import { Outbox } from '../../../src/processor/outbox.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const record = (name: string, extra: object[] = []) => ({
  type: 'record',
  name,
  fields: [{ name: 'ticketId', type: 'string' }, { name: 'n', type: 'int' }, ...extra],
});

async function setup() {
  const { serde } = await startLoopback(cleanup);
  const topics = { status: 'out.status', commands: 'out.commands', alerts: 'out.alerts' };
  await serde.register(subjectForTopic(topics.status), record('Status'));
  await serde.register(subjectForTopic(topics.commands), record('Command'));
  const config = { topics } as unknown as CloseloopConfig;
  return { serde, topics, config };
}

const keysOf = (out: Outbox, topic: string) => (out.records.get(topic) ?? []).map((r) => r.key);

describe('the outbox', () => {
  it('keeps the order encoded while schemas are fetched, then encodes at once', async () => {
    const { serde, topics, config } = await setup();
    const first = new Outbox(config, serde);
    first.encode('status', 'A', { ticketId: 'A', n: 1 });
    first.encode('commands', 'B', { ticketId: 'B', n: 2 });
    first.encode('status', 'C', { ticketId: 'C', n: 3 });
    // Nothing is in before the first schema is in hand, and nothing overtakes it.
    expect(first.records.size).toBe(0);
    await first.settled();
    expect(first.settled()).toBeUndefined();
    expect(keysOf(first, topics.status)).toEqual(['A', 'C']);
    expect(keysOf(first, topics.commands)).toEqual(['B']);

    const next = new Outbox(config, serde);
    next.encode('status', 'D', { ticketId: 'D', n: 4 });
    expect(next.settled()).toBeUndefined();
    const [d] = next.records.get(topics.status) ?? [];
    expect(d?.value?.equals(await serde.encode(subjectForTopic(topics.status), { ticketId: 'D', n: 4 }))).toBe(true);
  });

  it('fails on the first record it cannot encode, and adds none encoded after it', async () => {
    const { serde, topics, config } = await setup();
    const out = new Outbox(config, serde);
    out.encode('status', 'A', { ticketId: 'A', n: 1 });
    out.encode('alerts', 'B', { ticketId: 'B', n: 2 });
    out.encode('status', 'C', { ticketId: 'C', n: 3 });
    await expect(out.settled()).rejects.toMatchObject({ code: 'CL_SCHEMA_NOT_REGISTERED' });
    expect(keysOf(out, topics.status)).toEqual(['A']);
    // Once the schema is in hand, a value that does not match throws where it is encoded.
    expect(() => out.encode('status', 'E', { ticketId: 'E', n: 'five' })).toThrow(
      expect.objectContaining({ code: 'CL_ENCODE_INVALID' }),
    );
  });
});
