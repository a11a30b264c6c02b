import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadStackConfig } from '../../stack/config.ts';
import { kafkaPaths } from '../../stack/kafka.ts';
import { isAlive } from '../../stack/proc.ts';
import { stackDown, stackStatus, stackUp } from '../../stack/stack.ts';
import { testMessaging, uniqueName } from '../support/kafka.ts';

function javaProcessesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes('java') && cmd.includes(text)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

const local = inject('stackSource') === 'local-jvm';

describe.runIf(local)('the local JVM stack', () => {
  it('treats a second "up" as a no-op while the stack is running', async () => {
    const result = await stackUp(loadStackConfig(), () => undefined);
    expect(result.started).toBe(false);
  });

  // A fresh partition's indexes are preallocated sparse files; at Kafka's default 10 MiB, the
  // first write into each zeroed up to the disk's read-ahead (8 MiB on the CI machine), nearly
  // half the broker's request-handling CPU in a bench phase that writes to fresh topics.
  it("preallocates a fresh partition's offset and time indexes to 1 MiB, not Kafka's 10 MiB", async () => {
    const topic = uniqueName('stack-index');
    const messaging = testMessaging();
    const admin = messaging.admin();
    const producer = messaging.producer();
    await admin.connect();
    await producer.connect();
    try {
      await admin.ensureTopics([{ topic, partitions: 1 }]);
      await producer.send(topic, [{ key: 'k', value: Buffer.from('v') }]);
      const partitionDir = path.join(kafkaPaths(loadStackConfig()).data, `${topic}-0`);
      const indexes = readdirSync(partitionDir).filter((f) => f.endsWith('.index') || f.endsWith('.timeindex'));
      expect(indexes.sort()).toEqual(['00000000000000000000.index', '00000000000000000000.timeindex']);
      // Each is rounded down to whole entries: 8 bytes in the offset index, 12 in the time index.
      const sizes = indexes.map((f) => statSync(path.join(partitionDir, f)).size);
      expect(sizes).toEqual([1024 * 1024, 1024 * 1024 - ((1024 * 1024) % 12)]);
    } finally {
      await admin.deleteTopics([topic]);
      await Promise.all([producer.disconnect(), admin.disconnect()]);
    }
  });

  it('starts a second instance on other ports, survives "up" twice, and "down" leaves no java behind', async () => {
    const main = loadStackConfig();
    const runDir = path.join(main.home, 'lifecycle-test');
    const cfg = loadStackConfig({
      ...process.env,
      CLOSELOOP_STACK_DIR: main.home,
      CLOSELOOP_STACK_RUN_DIR: runDir,
      CLOSELOOP_KAFKA_PORT: '29092',
      CLOSELOOP_KAFKA_CONTROLLER_PORT: '29093',
      CLOSELOOP_REGISTRY_PORT: '28081',
      CLOSELOOP_REGISTRY_MANAGEMENT_PORT: '29001',
    });
    try {
      const first = await stackUp(cfg, () => undefined);
      expect(first.started).toBe(true);
      const running = await stackStatus(cfg);
      // The detail rides along so a failure says which probe step failed, not just "false".
      expect(running.map((c) => [c.name, c.ready, c.detail])).toEqual([
        ['kafka', true, 'ready'],
        ['registry', true, 'ready'],
      ]);
      const pids = running.map((c) => c.pid);
      expect(pids.every((p) => p !== undefined && isAlive(p))).toBe(true);

      const second = await stackUp(cfg, () => undefined);
      expect(second.started).toBe(false);
      expect((await stackStatus(cfg)).map((c) => c.pid)).toEqual(pids);

      expect((await stackDown(cfg)).sort()).toEqual(['kafka', 'registry']);
      expect(pids.some((p) => p !== undefined && isAlive(p))).toBe(false);
      expect(javaProcessesMentioning(runDir)).toEqual([]);
      // The main stack, which other tests use, is untouched.
      expect((await stackStatus(main)).map((c) => [c.name, c.detail])).toEqual([
        ['kafka', 'ready'],
        ['registry', 'ready'],
      ]);
    } finally {
      await stackDown(cfg, { purge: true });
    }
  }, 240_000);
});
