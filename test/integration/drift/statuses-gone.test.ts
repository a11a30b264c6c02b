import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AvroSerde, readToEnd } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { runReconciliation, type ReconcileLookups } from '../../../src/reconcile/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { Bridge, crm, dept } from '../../support/domain.ts';
import { driftRecords } from '../../support/drift.ts';
import { endpoints, testMessaging } from '../../support/kafka.ts';
import { step, testConfig, testProcessor } from '../../support/processor.ts';

const cleanup = cleanupAfter('all');
const messaging = testMessaging();

/** A CRM restored from a backup: each ticket at the status version given. */
function crmAt(versions: Record<string, number>): ReconcileLookups {
  return {
    crm: {
      async ticket(ticketId) {
        const statusVersion = versions[ticketId] ?? 0;
        const common = { lifecycleState: null, closureReason: null, updatedAt: null };
        return { ticketId, status: 'open', statusVersion, ...common };
      },
      health: async () => ({ status: 'up' }),
    },
    departments: [],
    stop: async () => undefined,
  };
}

/** A status topic's records as the healer reads them: ticket, version and the record as written. */
async function statusRecords(topic: string, serde: AvroSerde) {
  const admin = messaging.admin();
  await admin.connect();
  const out: { ticketId: string; version: number; value: Buffer }[] = [];
  try {
    await readToEnd(messaging, admin, topic, 'all', async (r) => {
      if (r.value === null) return;
      const { value } = await serde.decode<{ ticketId: string; version: number }>(r.value);
      out.push({ ticketId: value.ticketId, version: value.version, value: r.value });
    });
  } finally {
    await admin.disconnect();
  }
  return out;
}

describe('drift: the statuses the CRM lacks are gone from the status topic', () => {
  it('re-sends what is there, and alerts (not healed) for a ticket whose missing version cannot be re-sent', async () => {
    const { config } = await testConfig(1, 30, { reconcile: { settleSeconds: 0 } });
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const processor = testProcessor(config, messaging);
    cleanup.push(() => processor.stop());
    await processor.start();
    const bridge = new Bridge(config.policy);
    const ids = ['G1', 'G2', 'G3'];
    await step(
      config,
      messaging,
      bridge,
      ids.map((id) => crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' })),
    );
    await step(
      config,
      messaging,
      bridge,
      ids.map((id) => dept(id, `${id}#1`, 'maximo', 'APPR', 2, { department: 'transportation' })),
    );
    await processor.stop();

    // The status topic as retention (or an operator) left it: every v1 gone, each ticket's v2 kept
    // as the processor wrote it. The CRM's statuses go to it as they would to the real one.
    const before = await statusRecords(config.topics.status, serde);
    expect(before.map((s) => `${s.ticketId} v${s.version}`).sort()).toEqual(
      ids.flatMap((id) => [`${id} v1`, `${id} v2`]),
    );
    const kept = { ...config, topics: { ...config.topics, status: `${config.topics.status}.kept` } };
    const admin = messaging.admin();
    await admin.connect();
    await admin.ensureTopics([{ topic: kept.topics.status, partitions: 1, config: { 'retention.ms': '-1' } }]);
    await admin.disconnect();
    const producer = messaging.producer();
    await producer.connect();
    const v2 = before.filter((s) => s.version === 2);
    await producer.send(
      kept.topics.status,
      v2.map((s) => ({ key: s.ticketId, value: s.value, partition: 0 })),
    );
    await producer.disconnect();

    const lines: { level: number; msg: string; ticketId?: string; detail?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
        done();
      },
    });
    const metrics = new Metrics({ defaults: false });
    const report = await runReconciliation({
      config: kept,
      messaging,
      serde,
      logger: createLogger({ level: 'info', destination: sink }),
      // G1 lacks v1 and v2, v1 is gone; G2 lacks v2 only, which is there; G3 is up to date.
      lookups: crmAt({ G1: 0, G2: 1, G3: 2 }),
      metrics,
      rate: 1_000,
    });

    expect(report.outcomes.map((o) => [o.finding.ticketId, o.finding.kind, o.action])).toEqual([
      ['G1', 'CRM_BEHIND', 'ALERTED'],
      ['G2', 'CRM_BEHIND', 'RESENT_STATUSES'],
    ]);
    const g1 = report.outcomes[0]?.finding.detail ?? '';
    expect(g1).toContain(`1 of the 2 status(es) it lacks are no longer on ${kept.topics.status} (v1)`);
    expect(g1).toContain('0 were re-sent');
    // Only G2's v2 went out again: G1's v2 alone would be refused by a CRM at v0 as skipping ahead.
    const resent = (await statusRecords(kept.topics.status, serde)).slice(v2.length);
    expect(resent.map((s) => `${s.ticketId} v${s.version}`)).toEqual(['G2 v2']);

    const drift = await driftRecords(config);
    expect(drift.map((d) => [d.ticketId, d.action])).toEqual([
      ['G1', 'ALERTED'],
      ['G2', 'RESENT_STATUSES'],
    ]);
    expect(drift[0]?.detail).toBe(g1);
    const errors = lines.filter((l) => l.level >= 50);
    expect(errors.map((l) => [l.msg, l.ticketId])).toEqual([['drift that cannot be healed', 'G1']]);
    expect(await metrics.registry.getSingleMetricAsString('closeloop_drift_total')).toContain(
      'closeloop_drift_total{kind="CRM_BEHIND",department="transportation"} 2',
    );
  }, 180_000);
});
