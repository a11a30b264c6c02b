import { describe, expect, it } from 'vitest';
import { createInMemoryMessaging } from '../../../src/messaging/index.ts';
import { openAlerts } from '../../../src/ops/alerts.ts';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crm } from '../../support/domain.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { assignedProcessor, sendEvent } from '../../support/memory-processor.ts';
import { testConfig } from '../../support/processor.ts';
import { untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const MINUTE = 60_000;

describe('the timer sweep with the sentinel turned off', () => {
  // Neither SLA nor sentinel configured, the sweep did not run at all: the alerts raised before
  // stayed open for good (readiness, `closeloop health` exit 3), and `alerts ack` refuses them.
  it('clears the alerts raised before, and stops once none is left', async () => {
    const { url, serde } = await startLoopback(cleanup);
    const { config } = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: url });
    const messaging = createInMemoryMessaging();
    let now = 1_790_000_000_000;
    const start = (c: CloseloopConfig) => assignedProcessor({ config: c, messaging, serde, clock: () => now });
    const first = await start(config);
    const event = crm('X-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }).event;
    await sendEvent(messaging, serde, config.topics.crmEvents, event);
    await untilAsync('the ticket in state', async () => first.ticketsInState().get(0) === 1);
    now += 16 * MINUTE;
    expect(await first.checkTimersNow()).toBe(1);
    const open = () => openAlerts(messaging, messaging.admin(), serde, config.topics.alerts);
    expect((await open()).map((a) => a.reason).sort()).toEqual(['STATUS_UNCONFIRMED', 'STUCK_ROUTED']);
    await first.stop();

    // Restarted with `sentinel: null` and no SLA.
    const off = { ...config, policy: { ...config.policy, sentinel: null, sla: null } } as CloseloopConfig;
    const second = await start(off);
    cleanup.push(() => second.stop());
    expect(second.stuckTickets()?.open).toBe(2);
    now += MINUTE;
    expect(await second.checkTimersNow()).toBe(1);
    expect(await open()).toEqual([]);
    expect(second.stuckTickets()?.open).toBe(0);
    expect(await second.checkTimersNow()).toBe(0);
  });
});
