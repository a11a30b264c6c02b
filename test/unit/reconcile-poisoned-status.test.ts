import { describe, expect, it } from 'vitest';
import { createInMemoryMessaging, readToEnd, type Messaging } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { runReconciliation, type ReconcileLookups } from '../../src/reconcile/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { crm } from '../support/domain.ts';
import { inMemoryProcessor, inMemorySetup, sendEach, untilInputsRead } from '../support/in-memory-processor.ts';

const cleanup = cleanupAfter('each');
const ids = Array.from({ length: 30 }, (_, i) => `T${String(i).padStart(3, '0')}`);

/** A CRM restored from a backup: T005 lacks its statuses (v0), every other ticket agrees (v1). */
const lookups: ReconcileLookups = {
  crm: {
    async ticket(ticketId) {
      const statusVersion = ticketId === 'T005' ? 0 : 1;
      return { ticketId, status: 'open', statusVersion, lifecycleState: null, closureReason: null, updatedAt: null };
    },
    health: async () => ({ status: 'up' }),
  },
  departments: [],
  stop: async () => undefined,
};

/** Thirty open tickets, each at status v1, and `foreign` written to the status topic after them. */
async function bridgeWith(foreign: Buffer) {
  const base = await inMemorySetup(cleanup, 1);
  const messaging = createInMemoryMessaging();
  const { processor } = await inMemoryProcessor(cleanup, { ...base, messaging });
  const producer = messaging.producer();
  await sendEach(
    producer,
    base,
    ids.map((id) => crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' })),
  );
  await untilInputsRead(messaging.admin(), base.config);
  await processor.stop();
  await producer.send(base.config.topics.status, [{ key: 'SOMETHING', value: foreign }]);
  const config = { ...base.config, reconcile: { ...base.config.reconcile, settleSeconds: 0 } };
  const metrics = new Metrics({ defaults: false });
  const options = {
    config,
    messaging,
    serde: base.serde,
    logger: createLogger({ level: 'silent' }),
    lookups,
    metrics,
    rate: 1_000,
  };
  return { options, metrics, messaging };
}

async function cursorOf(messaging: Messaging, topic: string): Promise<unknown> {
  let cursor: unknown = null;
  await readToEnd(messaging, messaging.admin(), topic, 'all', (r) => {
    if (r.value) cursor = JSON.parse(r.value.toString('utf8'));
  });
  return cursor;
}

describe('reconciliation with a record on the status topic the processor did not write', () => {
  it('passes over a record that does not decode, counts it, and heals the ticket behind it', async () => {
    const { options, metrics } = await bridgeWith(Buffer.from('{"written":"by a tool"}'));
    const report = await runReconciliation(options);
    expect(report.checked).toBe(ids.length);
    expect(report.outcomes.map((o) => [o.finding.ticketId, o.action])).toEqual([['T005', 'RESENT_STATUSES']]);
    const unreadable = await metrics.statusUnreadable.get();
    expect(unreadable.values.map((v) => [v.labels['code'], v.value])).toEqual([['CL_DECODE_MALFORMED', 1]]);
  });

  it('alerts the ticket it cannot heal, with the code, and goes on to the last ticket', async () => {
    // In the wire format, under a schema id the registry never gave: not the record's fault alone
    // (the registry may have been replaced), so the status cannot be judged unreadable and passed over.
    const unknownId = Buffer.from([0, 0, 0, 0x03, 0xe7, 2]);
    const { options, messaging } = await bridgeWith(unknownId);
    for (let run = 1; run <= 2; run += 1) {
      const report = await runReconciliation(options);
      expect(report.checked).toBe(ids.length);
      expect(report.outcomes.map((o) => [o.finding.ticketId, o.action])).toEqual([['T005', 'ALERTED']]);
      expect(report.outcomes[0]?.finding.detail).toContain('RESENT_STATUSES failed with CL_SCHEMA_UNKNOWN_ID');
      expect(await cursorOf(messaging, options.config.topics.cursors)).toMatchObject({ after: 'T029', complete: true });
    }
  });
});
