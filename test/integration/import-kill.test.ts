import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { CloseloopConfig } from '../../src/config/index.ts';
import type { StatusRead } from '../../src/domain/index.ts';
import { messageOf } from '../../src/errors/index.ts';
import { readToEnd } from '../../src/messaging/index.ts';
import { AvroSerde } from '../../src/messaging/index.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';
import { testConfig, testProcessor, untilConsumed } from '../support/processor.ts';
import { untilAsync, within } from '../support/wait.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const EXPORT = 'data/baltimore_311_sample_10k.csv';
const EVENTS = 19_792;

const cleanup = cleanupAfter('all');

interface ImportRun {
  readonly child: ChildProcess;
  /** The exit code, or the signal that ended it. */
  readonly exit: Promise<number | string | null>;
  /** The last of what it wrote, stdout and stderr together. */
  output(): string;
}

/** `closeloop import` as an operator runs it, in a process of its own. */
function importProcess(file: string): ImportRun {
  const child = spawn(
    process.execPath,
    ['bin/closeloop.js', 'import', '--file', EXPORT, '--mapping', 'config/import/baltimore.yaml', '--config', file],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  // Read as it comes, so a run that writes much never blocks on a full pipe; the tail is kept
  // for the message of a run that does not end.
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exit = new Promise<number | string | null>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal)),
  );
  cleanup.push(async () => void child.kill('SIGKILL'));
  return { child, exit, output: () => output };
}

/** The run's exit, or, past `timeoutMs`, an error naming the step with the run's last output. */
async function exited(run: ImportRun, what: string, timeoutMs = 90_000): Promise<number | string | null> {
  try {
    return await within(what, timeoutMs, run.exit);
  } catch (err) {
    run.child.kill('SIGKILL');
    throw new Error(`${messageOf(err)}; its output ended:\n${run.output()}`, { cause: err });
  }
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
    const whole = await testConfig(3);
    expect(await exited(importProcess(whole.file), 'the uninterrupted import')).toBe(0);

    const killed = await testConfig(3);
    const first = importProcess(killed.file);
    await untilAsync('part of the export published', async () => (await eventsOn(killed.config)) >= 2_000, 60_000);
    first.child.kill('SIGKILL');
    expect(await exited(first, 'the killed import')).toBe('SIGKILL');
    const before = await eventsOn(killed.config);
    // Killed part way: some rows were published, not all.
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(EVENTS);
    expect(await exited(importProcess(killed.file), 'the import run again')).toBe(0);
    // The restart publishes every row again; the rows published twice carry the same event ids.
    expect(await eventsOn(killed.config)).toBe(before + EVENTS);

    const [a, b] = [await latestStatuses(whole.config), await latestStatuses(killed.config)];
    expect(a.size).toBe(10_000);
    expect(b.size).toBe(a.size);
    for (const [id, s] of a) expect(b.get(id)).toEqual(s);
  }, 400_000);
});
