import { describe, expect, it } from 'vitest';
import { createInMemoryMessaging } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { LifecycleProcessor } from '../../../src/processor/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { SCHEMAS, testConfig } from '../../support/processor.ts';

const cleanup = cleanupAfter('each');

const configWith = async (sentinel?: Record<string, unknown> | 'off', registryUrl = 'http://127.0.0.1:1') => {
  const extras = { brokers: 'in-memory:1', registryUrl, ...(sentinel === undefined ? {} : { sentinel }) };
  return (await testConfig(1, 30, extras)).config;
};
const limitsOf = async (sentinel?: Record<string, unknown> | 'off') =>
  (await configWith(sentinel)).policy.sentinel?.stateLimitsMinutes;

describe("the sentinel's state limits", () => {
  it('are ROUTED: 15 and NEW: 60 when the section or the map is left out', async () => {
    expect(await limitsOf()).toEqual({ ROUTED: 15, NEW: 60 });
    expect(await limitsOf({ statusUnconfirmedMinutes: 10 })).toEqual({ ROUTED: 15, NEW: 60 });
  });

  // A city adding a limit for ON_HOLD lost both defaults, so a ticket no department ever
  // acknowledged was not reported until its work order's month of silence.
  it("lay a city's own limits over the defaults, state by state", async () => {
    expect(await limitsOf({ stateLimitsMinutes: { ON_HOLD: 20_160 } })).toEqual({
      ROUTED: 15,
      NEW: 60,
      ON_HOLD: 20_160,
    });
    expect(await limitsOf({ stateLimitsMinutes: { ROUTED: 30 } })).toEqual({ ROUTED: 30, NEW: 60 });
  });

  it('turn one state off with off, and the whole sentinel with off', async () => {
    expect(await limitsOf({ stateLimitsMinutes: { NEW: 'off', SCHEDULED: 600 } })).toEqual({
      ROUTED: 15,
      SCHEDULED: 600,
    });
    expect(await limitsOf('off')).toBeUndefined();
  });

  it('are logged as in force when the processor starts', async () => {
    const { url, serde } = await startLoopback(cleanup);
    const config = await configWith({ stateLimitsMinutes: { ON_HOLD: 20_160 } }, url);
    const lines: Record<string, unknown>[] = [];
    const processor = new LifecycleProcessor({
      config,
      messaging: createInMemoryMessaging(),
      serde,
      logger: createLogger({
        level: 'info',
        destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
      }),
      schemasDir: SCHEMAS,
    });
    const assigned = processor.nextAssignment();
    await processor.start();
    cleanup.push(() => processor.stop());
    await assigned;
    const logged = lines.find((l) => l['msg'] === 'stuck-ticket sentinel limits');
    expect(logged?.['sentinel']).toMatchObject({ stateLimitsMinutes: { ROUTED: 15, NEW: 60, ON_HOLD: 20_160 } });
  });
});
