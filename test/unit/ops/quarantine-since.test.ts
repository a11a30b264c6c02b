import { expect, it } from 'vitest';
import type { Violation } from '../../../src/domain/index.ts';
import { createInMemoryMessaging, type AvroSerde } from '../../../src/messaging/index.ts';
import { listQuarantine } from '../../../src/ops/index.ts';

const TOPIC = 'bridge.quarantine.v1';
/** The records' values as JSON: what is tested here is the filter, not the Avro decoding. */
const serde = {
  decode: async (b: Buffer | null) => ({ value: JSON.parse(b?.toString() ?? '{}') }),
} as unknown as AvroSerde;

// A violation about imported history is dated by the event, years back: `quarantine list --since
// <go-live>` missed what go-live's import had just quarantined.
it('lists a violation recorded in the window whatever the time of the event it is about', async () => {
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([{ topic: TOPIC, partitions: 1 }]);
  const violation = (ticketId: string, occurredAt: number) =>
    ({ ticketId, kind: 'IMPLAUSIBLE_TIME', detail: 'x', envelope: { occurredAt } }) as unknown as Violation;
  const goLive = Date.now() - 60_000;
  await messaging
    .producer()
    .send(TOPIC, [
      { key: 'H1', value: Buffer.from(JSON.stringify(violation('H1', Date.parse('2019-03-01T00:00:00Z')))) },
    ]);
  const since = (iso: string, until?: string) =>
    listQuarantine(messaging, admin, serde, TOPIC, { since: iso, ...(until ? { until } : {}) }).then((vs) =>
      vs.map((v) => v.ticketId),
    );
  expect(await since(new Date(goLive).toISOString())).toEqual(['H1']);
  // One instant per violation, the later of the two: not also in the window of the event's time.
  expect(await since('2019-01-01T00:00:00Z', '2019-06-01T00:00:00Z')).toEqual([]);
  expect(await since('2020-01-01T00:00:00Z', new Date(goLive).toISOString())).toEqual([]);
});

// A violation matched by its event's time or by when it was recorded was listed by both of two
// adjacent windows when it was recorded late: consecutive --since/--until runs listed it twice.
it('lists a violation recorded late in one of two adjacent windows, the later', async () => {
  const messaging = createInMemoryMessaging();
  const admin = messaging.admin();
  await admin.ensureTopics([{ topic: TOPIC, partitions: 1 }]);
  const now = Date.now();
  const v = { ticketId: 'T1', kind: 'STALE_EVENT', detail: 'x', envelope: { occurredAt: now - 3_600_000 } };
  await messaging.producer().send(TOPIC, [{ key: 'T1', value: Buffer.from(JSON.stringify(v)) }]);
  const iso = (ms: number) => new Date(ms).toISOString();
  const cut = now - 1_800_000;
  const list = (since: number, until: number) =>
    listQuarantine(messaging, admin, serde, TOPIC, { since: iso(since), until: iso(until) }).then((vs) =>
      vs.map((x) => x.ticketId),
    );
  expect(await list(now - 7_200_000, cut)).toEqual([]);
  expect(await list(cut, now + 3_600_000)).toEqual(['T1']);
  expect(await listQuarantine(messaging, admin, serde, TOPIC)).toHaveLength(1);
});
