import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CloseloopConfig } from '../../src/config/index.ts';
import type { StatusRead } from '../../src/domain/index.ts';
import { readToEnd } from '../../src/messaging/index.ts';
import { AvroSerde } from '../../src/messaging/index.ts';
import { exited, nodeChild, type ChildRun } from '../support/child.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';
import { testConfig, testProcessor, untilConsumed } from '../support/processor.ts';
import { untilAsync, within } from '../support/wait.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const EXPORT = 'data/baltimore_311_sample_10k.csv';
const EVENTS = 19_792;

const cleanup = cleanupAfter('all');

/** `closeloop import` as an operator runs it, in a process of its own. */
function importProcess(file: string, exportFile = EXPORT): ChildRun {
  return nodeChild(
    ['bin/closeloop.js', 'import', '--file', exportFile, '--mapping', 'config/import/baltimore.yaml', '--config', file],
    { env: { LOG_LEVEL: 'warn' }, onSpawn: (child) => cleanup.push(async () => void child.kill('SIGKILL')) },
  );
}

/** The run's exit code, or the signal that ended it, bounded as `exited` bounds it. */
async function ended(run: ChildRun, what: string): Promise<number | string | null> {
  const { code, signal } = await exited(run, what);
  return code ?? signal;
}

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
  await within('stopping the processor', 60_000, processor.stop());
  const serde = new AvroSerde({ url: endpoints().registryUrl });
  const latest = new Map<string, StatusRead>();
  const reading = readToEnd(testMessaging(), admin, config.topics.status, 'all', async (r) => {
    const s = (await serde.decode<StatusRead>(r.value)).value;
    const seen = latest.get(s.ticketId);
    if (!seen || s.version > seen.version) latest.set(s.ticketId, s);
  });
  await within('reading the statuses', 60_000, reading);
  return latest;
}

describe('an import killed and restarted', () => {
  it('ends exactly as one uninterrupted run', async () => {
    const whole = await testConfig(3, 30, { jurisdiction: 'baltimore' });
    expect(await ended(importProcess(whole.file), 'the uninterrupted import')).toBe(0);

    // The first run reads the export through a pipe that is given its first 40 % only, so it is
    // killed part way whatever the machine's speed: given the whole file, a run on a fast or
    // idle machine could end between two looks at the topic, before the kill.
    const killed = await testConfig(3, 30, { jurisdiction: 'baltimore' });
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-import-kill-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const pipe = path.join(dir, 'export.csv');
    execFileSync('mkfifo', [pipe]);
    const first = importProcess(killed.file, pipe);
    const writer = createWriteStream(pipe);
    writer.on('error', () => undefined);
    const exported = await readFile(EXPORT);
    writer.write(exported.subarray(0, Math.floor(exported.length * 0.4)));
    await untilAsync('part of the export published', async () => (await eventsOn(killed.config)) >= 2_000, 60_000);
    first.child.kill('SIGKILL');
    writer.destroy();
    expect(await ended(first, 'the killed import')).toBe('SIGKILL');
    const before = await eventsOn(killed.config);
    // Killed part way: some rows were published, not all.
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(EVENTS);
    expect(await ended(importProcess(killed.file), 'the import run again')).toBe(0);
    // The restart publishes every row again; the rows published twice carry the same event ids.
    expect(await eventsOn(killed.config)).toBe(before + EVENTS);

    const [a, b] = [await latestStatuses(whole.config), await latestStatuses(killed.config)];
    expect(a.size).toBe(10_000);
    expect(b.size).toBe(a.size);
    for (const [id, s] of a) expect(b.get(id)).toEqual(s);
  }, 400_000);
});
