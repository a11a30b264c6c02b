import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import { AvroSerde } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { registerSchemas } from '../../../src/processor/provision.ts';
import { CANONICAL } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { SCHEMAS, testConfig } from '../../support/processor.ts';

const cleanup = cleanupAfter('each');
const FAST = { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 5 };

/** A logger whose warnings are kept, and a serde whose requests give up after 150 ms. */
async function setup() {
  const { registry, url } = await startLoopback(cleanup);
  const { config } = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: url, sentinel: null });
  const warnings: Record<string, unknown>[] = [];
  const log = createLogger({
    level: 'warn',
    destination: { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const serde = new AvroSerde({ url, retries: 0, timeoutMs: 150 });
  return { registry, config, log, warnings, serde };
}

describe('registering the schemas as a processor starts', () => {
  it('waits out a registry that does not answer for a moment, saying so for each try that failed', async () => {
    const { registry, config, log, warnings, serde } = await setup();
    registry.stallNext = 2;
    await registerSchemas(serde, config, SCHEMAS, { log, retry: FAST });
    expect(registry.stallNext).toBe(0);
    expect(warnings).toHaveLength(2);
    expect(warnings.map((w) => [w['code'], w['attempt'], w['attempts']])).toEqual([
      ['CL_SCHEMA_REGISTRY_UNAVAILABLE', 1, 4],
      ['CL_SCHEMA_REGISTRY_UNAVAILABLE', 2, 4],
    ]);
    expect(String(warnings[0]?.['msg'])).toMatch(/did not answer/);
    // Every topic's schema is there afterwards, the stalled one included.
    const topics = (Object.keys(CANONICAL) as (keyof typeof CANONICAL)[]).map((name) => `${config.topics[name]}-value`);
    expect(registry.subjects().sort()).toEqual(topics.sort());
  });

  it('fails start-up with the registry named once its tries are spent, not after waiting for good', async () => {
    const { registry, config, log, warnings, serde } = await setup();
    registry.stallNext = 1_000;
    const err = await registerSchemas(serde, config, SCHEMAS, { log, retry: FAST }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseloopError);
    expect((err as CloseloopError).code).toBe('CL_SCHEMA_REGISTRY_UNAVAILABLE');
    expect((err as CloseloopError).message).toMatch(/ticket-events.v1-value: the registry did not answer: Timeout/);
    // The first subject's tries: one and three more, each a request left unanswered.
    expect(registry.requests).toBe(4);
    expect(warnings).toHaveLength(3);
  });

  it('fails at once, not after the backoff, when the registry refuses the credentials', async () => {
    const { registry, config, log, warnings, serde } = await setup();
    registry.refuse = 401;
    const err = await registerSchemas(serde, config, SCHEMAS, { log, retry: FAST }).catch((e: unknown) => e);
    expect((err as CloseloopError).code).toBe('CL_SCHEMA_REGISTRY_UNAUTHORIZED');
    expect((err as CloseloopError).message).toMatch(/-value/);
    expect(registry.requests).toBe(1);
    expect(warnings).toHaveLength(0);
  });

  it('does not try again what trying again cannot fix', async () => {
    const { registry, config, log, warnings, serde } = await setup();
    registry.refuse = 400;
    const err = await registerSchemas(serde, config, SCHEMAS, { log, retry: FAST }).catch((e: unknown) => e);
    expect((err as CloseloopError).code).toBe('CL_SCHEMA_REGISTRY_REJECTED');
    expect(registry.requests).toBe(1);
    expect(warnings).toHaveLength(0);
  });
});
