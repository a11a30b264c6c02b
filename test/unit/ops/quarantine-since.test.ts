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
  // And by the event's own time, as before.
  expect(await since('2019-01-01T00:00:00Z', '2019-06-01T00:00:00Z')).toEqual(['H1']);
  expect(await since('2020-01-01T00:00:00Z', new Date(goLive).toISOString())).toEqual([]);
});
