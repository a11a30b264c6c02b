import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/domain/index.ts';
import { AvroSerde, createInMemoryMessaging, readToEnd, subjectForTopic } from '../../../src/messaging/index.ts';
import { CANONICAL } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crm } from '../../support/domain.ts';
import {
  inMemoryProcessor,
  inMemorySetup,
  sendCrm,
  shippedSchema,
  statusBriefs,
  untilCrmRead,
} from '../../support/in-memory-processor.ts';

const cleanup = cleanupAfter('each');

type Schema = Awaited<ReturnType<typeof shippedSchema>>;
type Record_ = { name: string; fields: { name: string; type: unknown; default?: unknown }[] };

const withExternalRef = (s: Schema) => {
  s.fields.push({ name: 'externalRef', type: ['null', 'string'], default: null } as Schema['fields'][number]);
  return s;
};
const withoutNote = (s: Schema) => {
  s.fields = s.fields.filter((f) => f.name !== 'note');
  return s;
};
/** No sequence in the envelope; the location's fields reversed, with a ward more. */
const nestedOtherwise = (s: Schema) => {
  const envelope = s.fields.find((f) => f.name === 'envelope')?.type as Record_;
  envelope.fields = envelope.fields.filter((f) => f.name !== 'sequence');
  const union = s.fields.find((f) => f.name === 'location')?.type as [string, Record_];
  union[1].fields = [...union[1].fields].reverse();
  union[1].fields.push({ name: 'ward', type: ['null', 'string'], default: null });
  return s;
};
const same = (s: Schema) => s;
// One id for every copy; no sequence, which a writer without one cannot carry.
const ENVELOPE = { eventId: 'evt-D-1', sequence: null, occurredAt: 1_790_000_000_000 };

/**
 * The same event sent twice, the first copy written with `first`'s schema and the resend with
 * `second`'s (an outbox replayed across a producer's schema upgrade); returns what was
 * quarantined and the statuses.
 */
async function resend(first: (s: Schema) => Schema, second: (s: Schema) => Schema, again?: InboundEvent) {
  const base = await inMemorySetup(cleanup, 1);
  const { serde, config } = base;
  const messaging = createInMemoryMessaging();
  const { processor } = await inMemoryProcessor(cleanup, { ...base, messaging });
  const subject = subjectForTopic(config.topics.crmEvents);
  const location = { address: '1 Main St', latitude: 40.5, longitude: -73.25, district: 'D1', ward: '7' };
  const event = crm('D-1', 'OPENED', 1, { serviceCode: 'POTHOLE', channel: 'WEB', location } as never, ENVELOPE);
  // Each producer has a serde of its own: one that registers a schema writes with it.
  const before = new AvroSerde({ url: config.schemaRegistry.url });
  await before.register(subject, first(await shippedSchema(CANONICAL.crmEvents)));
  await sendCrm(messaging, before, config, [event]);
  const after = new AvroSerde({ url: config.schemaRegistry.url });
  await after.register(subject, second(await shippedSchema(CANONICAL.crmEvents)));
  await sendCrm(messaging, after, config, [again ?? event]);
  await untilCrmRead(messaging, config, 2);
  await processor.stop();
  const quarantined: string[] = [];
  await readToEnd(messaging, messaging.admin(), config.topics.quarantine, 'all', async (r) => {
    quarantined.push((await serde.decode<{ kind: string }>(r.value)).value.kind);
  });
  return { quarantined, statuses: await statusBriefs(messaging, serde, config) };
}

describe("an event sent again after its producer's schema changed", () => {
  it.each([
    ['(A) a writer with an optional field more', same, withExternalRef],
    ['(B) a first copy from a writer without note, a resend with the shipped schema', withoutNote, same],
    ['(C) a first copy without the envelope sequence, a resend with the location reordered', nestedOtherwise, same],
    ['(C) a first copy with the shipped schema, a resend with nested records otherwise', same, nestedOtherwise],
  ])('is passed over as a repeat: %s', async (_, first, second) => {
    const { quarantined, statuses } = await resend(first, second);
    expect(quarantined).toEqual([]);
    expect(statuses).toEqual(['D-1 v1 OPEN ROUTED']);
  });

  it('with other content under its id is still EVENT_ID_REUSED', async () => {
    const other = crm(
      'D-1',
      'OPENED',
      1,
      { serviceCode: 'STREETLIGHT', channel: 'WEB', externalRef: null } as never,
      ENVELOPE,
    );
    const { quarantined, statuses } = await resend(same, withExternalRef, other);
    expect(statuses).toEqual(['D-1 v1 OPEN ROUTED']);
    expect(quarantined).toEqual(['EVENT_ID_REUSED']);
  });
});
