import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { runReconciliation, type ReconcileLookups } from '../../src/reconcile/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { openOnBridge, storedCursor } from '../support/reconcile-bridge.ts';

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
  const { config, messaging, serde } = await openOnBridge(cleanup, ids);
  await messaging.producer().send(config.topics.status, [{ key: 'SOMETHING', value: foreign }]);
  const metrics = new Metrics({ defaults: false });
  const logger = createLogger({ level: 'silent' });
  return { options: { config, messaging, serde, logger, lookups, metrics, rate: 1_000 }, metrics, messaging };
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
      expect(await storedCursor(messaging, options.config.topics.cursors)).toMatchObject({
        after: 'T029',
        complete: true,
      });
    }
  });
});
