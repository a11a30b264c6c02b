import { describe, expect, it } from 'vitest';
import { runHealth } from '../../../src/cli/health-command.ts';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { startStatusService, type StatusService } from '../../../src/status-api/index.ts';
import { Bridge, crm } from '../../support/domain.ts';
import { recordFault } from '../../support/fault-report.ts';
import { detectedAfter, metric, readiness } from '../../support/fault-worker.ts';
import { testMessaging } from '../../support/kafka.ts';
import { freePorts } from '../../support/ports.ts';
import { step, testConfig, testProcessor } from '../../support/processor.ts';
import { RegistryGate } from '../../support/registry-gate.ts';
import { untilAsync } from '../../support/wait.ts';
import { statusApiSettings } from '../../support/status-api.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

const SERIES = 'closeloop_consumer_failing{consumer="status-feed"}';
const GRACE_MS = 2_000;

describe('fault: the status API cannot read its feed', () => {
  it('says so in its own readiness, a gauge and `closeloop health --status-api` once past the grace, and serves every status once it can', async () => {
    const messaging = testMessaging();
    const { config } = await testConfig(3);
    const expected = new Bridge(config.policy);
    const processor = testProcessor(config, messaging);
    cleanup.push(() => processor.stop());
    await processor.start();
    const tickets = ['F1', 'F2', 'F3', 'F4'];
    await step(
      config,
      messaging,
      expected,
      tickets.map((t) => crm(t, 'OPENED', 1, { serviceCode: 'POTHOLE' })),
    );

    // Only the status API meets the outage: its registry is the real one behind a closed gate,
    // so it cannot read the schema of a single status record (the processor keeps its own).
    const gate = new RegistryGate(config.schemaRegistry.url);
    const gateUrl = await gate.start();
    cleanup.push(() => gate.stop());
    gate.down = true;
    const [opsPort = 0] = await freePorts(1);
    const ops = { host: '127.0.0.1', port: opsPort };
    const apiConfig: CloseloopConfig = {
      ...config,
      schemaRegistry: { ...config.schemaRegistry, url: gateUrl },
      processor: { ...config.processor, consumerFailingAfterMs: GRACE_MS },
    };
    const settings = statusApiSettings({ ops });
    const since = Date.now();
    const starting = startStatusService(apiConfig, settings, messaging, createLogger({ level: 'silent' }));
    // Awaited below; a start that fails meanwhile is reported there, not as an unhandled rejection.
    starting.catch(() => undefined);
    cleanup.push(async () => (await starting).stop());
    const url = `http://127.0.0.1:${opsPort}`;

    const detected = await detectedAfter('status feed registry unreachable', since, async () => {
      const r = await readiness(url).catch(() => ({ status: 0, reasons: [] as string[] }));
      return (
        r.status === 503 &&
        r.reasons.some((x) => /^status feed consumer failing for \d+ s: handling batches of .+\/\d+: /.test(x)) &&
        (await metric(url, SERIES)) === 1
      );
    });
    // The grace holds: a batch failing once or twice is no alarm.
    expect(detected).toBeGreaterThanOrEqual(GRACE_MS);
    const r = await readiness(url);
    expect(r.reasons).toContain('status feed not caught up');
    expect(r.reasons.find((x) => x.startsWith('status feed consumer failing'))).toContain('decoding a record');
    expect(await metric(url, 'closeloop_status_feed_undecodable_total')).toBe(0);
    // The operator command shows the same line.
    const out: string[] = [];
    const code = await runHealth(
      { ...config, statusApi: { ...settings, ops } },
      (l) => out.push(l),
      (l) => out.push(l),
      5_000,
      'status-api',
    );
    expect(code).toBe(1);
    expect(out.join('\n')).toContain('status feed consumer failing for');

    gate.down = false;
    const service: StatusService = await starting;
    await untilAsync('ready again', async () => (await readiness(url)).status === 200, 30_000);
    expect(await metric(url, SERIES)).toBe(0);
    expect(await metric(url, 'closeloop_status_feed_caught_up')).toBe(1);
    expect(await metric(url, 'closeloop_status_api_tickets')).toBe(tickets.length);
    // Nothing was skipped for the outage: every ticket is served at its latest version.
    expect(await metric(url, 'closeloop_status_feed_undecodable_total')).toBe(0);
    const latest = new Map(expected.statuses.map((s) => [s.ticketId, s.version]));
    const lost = tickets.filter((t) => service.projection.get(t)?.version !== latest.get(t)).length;
    recordFault({
      path: 'status feed registry unreachable',
      detectedAfterMs: detected,
      recovered: lost === 0,
      lost,
      duplicated: 0,
    });
    expect(lost).toBe(0);
  }, 120_000);
});
