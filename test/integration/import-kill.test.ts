import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { CloseloopConfig } from '../../src/config/index.ts';
import type { StatusRead } from '../../src/domain/index.ts';
import { readToEnd } from '../../src/messaging/index.ts';
import { AvroSerde } from '../../src/messaging/index.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';
import { testConfig, testProcessor, untilConsumed } from '../support/processor.ts';
import { untilAsync } from '../support/wait.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const EXPORT = 'data/baltimore_311_sample_10k.csv';
const EVENTS = 19_792;

const cleanup = cleanupAfter('all');

/** `closeloop import` as an operator runs it, in a process of its own. */
function importProcess(file: string) {
  return spawn(
    process.execPath,
    ['bin/closeloop.js', 'import', '--file', EXPORT, '--mapping', 'config/import/baltimore.yaml', '--config', file],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
}

const exited = (child: ReturnType<typeof spawn>) =>
  new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));

async function eventsOn(config: CloseloopConfig): Promise<number> {
  const admin = testMessaging().admin();
  await admin.connect();
  try {
    const ps = await admin.topicOffsets(config.topics.crmEvents).catch(() => []);
    return ps.reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Runs the processor through the CRM events topic; returns each ticket's latest status. */
async function latestStatuses(config: CloseloopConfig): Promise<Map<string, StatusRead>> {
  const processor = testProcessor(config);
  cleanup.push(() => processor.stop());
  await processor.start();
  const admin = testMessaging().admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  await untilConsumed(
    admin,
    config.processor.groupId,
    config.topics.crmEvents,
    'the processor through the imported events',
    240_000,
  );
  await processor.stop();
  const serde = new AvroSerde({ url: endpoints().registryUrl });
  const latest = new Map<string, StatusRead>();
  await readToEnd(testMessaging(), admin, config.topics.status, 'all', async (r) => {
    const s = (await serde.decode<StatusRead>(r.value)).value;
    const seen = latest.get(s.ticketId);
    if (!seen || s.version > seen.version) latest.set(s.ticketId, s);
  });
  return latest;
}

describe('an import killed and restarted', () => {
  it('ends exactly as one uninterrupted run', async () => {
    const whole = await testConfig(3);
    expect(await exited(importProcess(whole.file))).toBe(0);

    const killed = await testConfig(3);
    const first = importProcess(killed.file);
    const firstExit = exited(first);
    await untilAsync('part of the export published', async () => (await eventsOn(killed.config)) >= 2_000, 60_000);
    first.kill('SIGKILL');
    expect(await firstExit).toBe('SIGKILL');
    const before = await eventsOn(killed.config);
    // Killed part way: some rows were published, not all.
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(EVENTS);
    expect(await exited(importProcess(killed.file))).toBe(0);
    // The restart publishes every row again; the rows published twice carry the same event ids.
    expect(await eventsOn(killed.config)).toBe(before + EVENTS);

    const [a, b] = [await latestStatuses(whole.config), await latestStatuses(killed.config)];
    expect(a.size).toBe(10_000);
    expect(b.size).toBe(a.size);
    for (const [id, s] of a) expect(b.get(id)).toEqual(s);
  }, 400_000);
});
