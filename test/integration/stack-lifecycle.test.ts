import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadStackConfig } from '../../stack/config.ts';
import { isAlive } from '../../stack/proc.ts';
import { stackDown, stackStatus, stackUp } from '../../stack/stack.ts';

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
