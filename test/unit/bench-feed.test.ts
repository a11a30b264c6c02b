import { describe, expect, it } from 'vitest';
import { encodeFeed, produceFeed, provision } from '../../bench/harness.ts';
import type { InboundEvent } from '../../src/domain/index.ts';
import { createInMemoryMessaging, readToEnd } from '../../src/messaging/index.ts';
import { crm, dept } from '../support/domain.ts';
import { startLoopback } from '../support/loopback-registry.ts';
import { testConfig } from '../support/processor.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('each');

// The scale-out bench encodes its feed before the clock and produces it timed: the split must
// write what one pass wrote, each ticket's events in their order.
describe('bench feed, encoded then produced', () => {
  it('writes every event once, to its input topic, in feed order per topic, across chunks', async () => {
    const { url, serde } = await startLoopback(cleanup);
    const { config } = await testConfig(3, 30, { brokers: 'in-memory:1', registryUrl: url, sentinel: null });
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await provision(config, admin, serde);

    const events: InboundEvent[] = [];
    for (let t = 1; t <= 9; t += 1) events.push(crm(`T${t}`, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    for (let step = 2; step <= 4; step += 1) {
      for (let t = 1; t <= 9; t += 1) events.push(dept(`T${t}`, `T${t}#1`, 'maximo', 'APPR', step));
    }
    const chunks = await encodeFeed(config, serde, events, 4);
    expect(chunks).toHaveLength(Math.ceil(events.length / 4));
    await produceFeed(messaging, chunks);

    const read = async (topic: string) => {
      const seen: { partition: number; offset: bigint; line: string }[] = [];
      await readToEnd(messaging, admin, topic, 'all', async (r) => {
        const { value } = await serde.decode<{ ticketId: string; envelope: { sequence: number } }>(r.value);
        expect(r.key?.toString()).toBe(value.ticketId);
        seen.push({
          partition: r.partition,
          offset: BigInt(r.offset),
          line: `${value.ticketId}@${value.envelope.sequence}`,
        });
      });
      // Per partition in offset order: the order a processor task reads them in.
      return seen.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
    };
    const expected = (type: InboundEvent['type']) =>
      events.filter((e) => e.type === type).map((e) => `${e.event.ticketId}@${e.event.envelope.sequence}`);
    const inOrderPerTicket = (lines: readonly string[]) => {
      const byTicket = new Map<string, number[]>();
      for (const l of lines) {
        const [id, seq] = l.split('@') as [string, string];
        byTicket.set(id, [...(byTicket.get(id) ?? []), Number(seq)]);
      }
      return byTicket;
    };

    const crmLines = (await read(config.topics.crmEvents)).map((s) => s.line);
    const deptLines = (await read(config.topics.deptEvents)).map((s) => s.line);
    expect([...crmLines].sort()).toEqual([...expected('crm')].sort());
    expect([...deptLines].sort()).toEqual([...expected('dept')].sort());
    expect(inOrderPerTicket(deptLines)).toEqual(inOrderPerTicket(expected('dept')));
  });
});
