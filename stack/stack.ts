import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { StackConfig } from './config.ts';
import { kafkaPid, probeKafka, startKafka, stopKafka, waitForKafka } from './kafka.ts';
import { sleep } from './proc.ts';
import { probeRegistry, registryPid, startRegistry, stopRegistry, waitForRegistry } from './registry.ts';

export interface ComponentStatus {
  readonly name: 'kafka' | 'registry';
  readonly pid: number | undefined;
  readonly ready: boolean;
  readonly endpoint: string;
  readonly detail: string;
}

export interface UpResult {
  /** True when this call started at least one process (so the caller may stop them later). */
  readonly started: boolean;
  readonly brokers: string;
  readonly registryUrl: string;
  readonly timings: Readonly<Record<string, number>>;
}

/**
 * One answer a probe may miss while both cores are busy (a JVM's GC pause, a slow connect)
 * does not make a running part "not ready": a few tries, a few hundred ms apart, bound it.
 */
const PROBE_TRIES = 3;
const PROBE_PAUSE_MS = 300;

export async function checkReady(probe: () => Promise<void>): Promise<{ ready: boolean; detail: string }> {
  let lastError = '';
  for (let attempt = 1; attempt <= PROBE_TRIES; attempt++) {
    try {
      await probe();
      return { ready: true, detail: 'ready' };
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      if (attempt < PROBE_TRIES) await sleep(PROBE_PAUSE_MS * attempt);
    }
  }
  return { ready: false, detail: `${lastError} (${PROBE_TRIES} tries)` };
}

export async function stackStatus(cfg: StackConfig): Promise<ComponentStatus[]> {
  const [kPid, rPid, k, r] = await Promise.all([
    kafkaPid(cfg),
    registryPid(cfg),
    checkReady(() => probeKafka(cfg)),
    checkReady(() => probeRegistry(cfg)),
  ]);
  return [
    { name: 'kafka', pid: kPid, endpoint: cfg.brokers, ...k },
    { name: 'registry', pid: rPid, endpoint: cfg.registryUrl, ...r },
  ];
}

/**
 * Brings both parts up, or finds them already up. Downloads come first and one at a time
 * (two Maven runs would fight over ~/.m2); the two JVMs then start in parallel.
 */
export async function stackUp(cfg: StackConfig, log: (line: string) => void): Promise<UpResult> {
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const before = await stackStatus(cfg);
  const foreign = before.filter((c) => c.ready && c.pid === undefined);
  if (foreign.length > 0) {
    const names = foreign.map((c) => `${c.name} at ${c.endpoint}`).join(', ');
    log(`already answering and not started by this stack: ${names}; using it as it is`);
  }
  const need = (name: ComponentStatus['name']) => !before.some((c) => c.name === name && c.ready);
  const started = need('kafka') || need('registry');

  const kafkaStart = need('kafka') ? startKafka(cfg, log) : Promise.resolve(undefined);
  const kPid = await kafkaStart;
  timings['kafkaLaunchMs'] = Date.now() - t0;
  const rPid = need('registry') ? await startRegistry(cfg, log) : undefined;
  timings['registryLaunchMs'] = Date.now() - t0;

  await Promise.all([
    need('kafka')
      ? waitForKafka(cfg, kPid, cfg.readyTimeoutMs).then(() => (timings['kafkaReadyMs'] = Date.now() - t0))
      : undefined,
    need('registry')
      ? waitForRegistry(cfg, rPid, cfg.readyTimeoutMs).then(() => (timings['registryReadyMs'] = Date.now() - t0))
      : undefined,
  ]);
  timings['totalMs'] = Date.now() - t0;
  return { started, brokers: cfg.brokers, registryUrl: cfg.registryUrl, timings };
}

export async function stackDown(cfg: StackConfig, options: { purge?: boolean } = {}): Promise<string[]> {
  const stopped: string[] = [];
  const [r, k] = await Promise.all([stopRegistry(cfg), stopKafka(cfg)]);
  if (r) stopped.push('registry');
  if (k) stopped.push('kafka');
  if (options.purge) await rm(path.join(cfg.runDir, 'kafka'), { recursive: true, force: true });
  return stopped;
}
