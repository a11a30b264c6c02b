import { describe, expect, it } from 'vitest';
import { AvroSerde } from '../../../src/messaging/index.ts';
import { openAlerts } from '../../../src/ops/index.ts';
import { bridgeRun, crmTally } from '../../support/bridge-run.ts';
import { recordFault } from '../../support/fault-report.ts';
import { metric, openTickets, readiness, startFaultWorker, type FaultWorker } from '../../support/fault-worker.ts';
import { endpoints, testMessaging } from '../../support/kafka.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('a source stops returning records (CONNECTOR_SILENT)', () => {
  it('is alerted within its limit in readiness, a metric and the alerts topic, and cleared when records flow', async () => {
    const run = await bridgeRun({ config: { roles: true } });
    cleanup.push(() => run.stop());
    // The CRM is expected to send something at least every 3 seconds.
    const config = {
      ...run.config,
      connectors: run.config.connectors.map((c) =>
        c.name === 'crm-rest' ? { ...c, silence: { limitMinutes: 0.05, timeZone: 'UTC', hours: [] } } : c,
      ),
    };
    const fw = await startFaultWorker(config);
    cleanup.push(() => fw.stop());
    openTickets(run, 2);
    run.work();
    await until('the first tickets closed', () => run.done(), 120_000);

    // The CRM's integration outbox stalls: its feed answers, with nothing.
    run.crm.setFeedPaused(true);
    const pausedAt = Date.now();
    const series = 'closeloop_connector_silent{connector="crm-rest"}';
    await untilAsync('the silence alarm', async () => (await metric(fw.url, series)) === 1, 30_000);
    const detectedAfterMs = Date.now() - pausedAt;
    const ready = await readiness(fw.url);
    expect(ready.status).toBe(503);
    expect(ready.reasons.filter((r) => r.startsWith('crm-rest source silent: no records for'))).toHaveLength(1);
    const admin = testMessaging().admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const alerts = () => openAlerts(testMessaging(), admin, serde, config.topics.alerts);
    expect((await alerts()).map((a) => [a.reason, a.connector, a.accountable])).toEqual([
      ['CONNECTOR_SILENT', 'crm-rest', '311 service desk'],
    ]);

    // Records flow again: a new ticket comes through, and the alarm clears everywhere.
    run.crm.setFeedPaused(false);
    openTickets(run, 1);
    await untilAsync('the silence cleared', async () => (await metric(fw.url, series)) === 0, 30_000);
    await untilAsync('no alert open', async () => (await alerts()).length === 0, 30_000);
    await until('every ticket closed', () => run.done(), 120_000);
    expect((await readiness(fw.url)).reasons.filter((r) => r.includes('silent'))).toEqual([]);
    const tally = crmTally(run.crm);
    expect(tally).toEqual({ lost: 0, duplicated: 0 });
    // Nothing was sent to the CRM twice either.
    expect(run.crm.repeatedUpdates).toBe(0);
    recordFault({ path: 'sentinel: connector silent', detectedAfterMs, recovered: run.done(), ...tally });
  }, 240_000);

  it('stays open across a restart and a second worker while the source stays silent, and clears on both once records flow', async () => {
    const run = await bridgeRun({ config: { roles: true } });
    cleanup.push(() => run.stop());
    // Fenced workers take turns every second, so each soon reads the cursor the other wrote.
    const config = {
      ...run.config,
      connectors: run.config.connectors.map((c) =>
        c.name === 'crm-rest'
          ? { ...c, fencedRetryMs: 1_000, silence: { limitMinutes: 0.05, timeZone: 'UTC', hours: [] } }
          : c,
      ),
    };
    const series = 'closeloop_connector_silent{connector="crm-rest"}';
    const silentReasons = async (url: string) =>
      (await readiness(url)).reasons.filter((r) => r.startsWith('crm-rest source silent'));
    const admin = testMessaging().admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const silentAlerts = async () =>
      (await openAlerts(testMessaging(), admin, serde, config.topics.alerts)).filter(
        (a) => a.reason === 'CONNECTOR_SILENT',
      );

    const first = await startFaultWorker(config);
    openTickets(run, 2);
    run.work();
    await until('the first tickets closed', () => run.done(), 120_000);
    run.crm.setFeedPaused(true);
    await untilAsync('the silence alarm', async () => (await metric(first.url, series)) === 1, 30_000);
    const [raised] = await silentAlerts();
    expect(raised?.connector).toBe('crm-rest');

    // A restart: the new worker has published nothing, and its first checks must not clear it.
    await first.stop();
    const restarted = await startFaultWorker(config);
    cleanup.push(() => restarted.stop());
    for (let i = 0; i < 3; i += 1) await restarted.worker.checkSilenceNow();
    expect(await metric(restarted.url, series)).toBe(1);
    expect(await silentReasons(restarted.url)).toHaveLength(1);
    expect((await silentAlerts()).map((a) => a.since)).toEqual([raised?.since]);

    // A second worker on the same config (a rolling deploy's overlap, replicas): the one holding
    // the source lease shows the alarm; the other stands by and neither raises nor shows it.
    const second = await startFaultWorker(config);
    cleanup.push(() => second.stop());
    const holds = async (w: FaultWorker) =>
      (await metric(w.url, 'closeloop_source_lease_held{connector="crm-rest"}')) === 1;
    await untilAsync(
      'one worker holding the source lease',
      async () => (await holds(restarted)) !== (await holds(second)),
      30_000,
    );
    const [holder, standby] = (await holds(restarted)) ? [restarted, second] : [second, restarted];
    for (let i = 0; i < 3; i += 1) {
      await second.worker.checkSilenceNow();
      await restarted.worker.checkSilenceNow();
    }
    expect(await metric(holder.url, series)).toBe(1);
    expect(await silentReasons(holder.url)).toHaveLength(1);
    expect(await metric(standby.url, series)).toBe(0);
    expect(await silentReasons(standby.url)).toEqual([]);
    expect((await silentAlerts()).map((a) => a.since)).toEqual([raised?.since]);

    // Records flow: the holder publishes and clears it; the standby showed none all along.
    run.crm.setFeedPaused(false);
    openTickets(run, 1);
    await untilAsync('no silence alert open', async () => (await silentAlerts()).length === 0, 30_000);
    for (const w of [restarted, second]) {
      await untilAsync('the silence cleared on both workers', async () => (await metric(w.url, series)) === 0, 30_000);
      await untilAsync('readiness names no silence', async () => (await silentReasons(w.url)).length === 0, 30_000);
    }
    await until('every ticket closed', () => run.done(), 120_000);
    expect(crmTally(run.crm)).toEqual({ lost: 0, duplicated: 0 });
  }, 300_000);

  it("is cleared by the worker running the source once the connector's silence: block is dropped", async () => {
    const run = await bridgeRun({ config: { roles: true } });
    cleanup.push(() => run.stop());
    const watched = {
      ...run.config,
      connectors: run.config.connectors.map((c) =>
        c.name === 'crm-rest' ? { ...c, silence: { limitMinutes: 0.05, timeZone: 'UTC', hours: [] } } : c,
      ),
    };
    const admin = testMessaging().admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const silentAlerts = async () =>
      (await openAlerts(testMessaging(), admin, serde, watched.topics.alerts)).filter(
        (a) => a.reason === 'CONNECTOR_SILENT',
      );
    const first = await startFaultWorker(watched);
    openTickets(run, 1);
    run.work();
    await until('the first ticket closed', () => run.done(), 120_000);
    run.crm.setFeedPaused(true);
    const series = 'closeloop_connector_silent{connector="crm-rest"}';
    await untilAsync('the silence alarm', async () => (await metric(first.url, series)) === 1, 30_000);
    await first.stop();

    // Redeployed without the cadence, the source still silent: nothing else would clear the alert.
    const unwatched = await startFaultWorker(run.config);
    cleanup.push(() => unwatched.stop());
    await untilAsync(
      'the source lease held',
      async () => (await metric(unwatched.url, 'closeloop_source_lease_held{connector="crm-rest"}')) === 1,
      30_000,
    );
    await untilAsync(
      'the silence alert cleared',
      async () => {
        await unwatched.worker.checkSilenceNow();
        return (await silentAlerts()).length === 0;
      },
      30_000,
    );
    expect((await readiness(unwatched.url)).reasons.filter((r) => r.includes('silent'))).toEqual([]);
  }, 240_000);
});
