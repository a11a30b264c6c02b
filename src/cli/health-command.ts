import type { CloseloopConfig } from '../config/index.ts';
import { messageOf } from '../errors/index.ts';

/** Exit codes of `closeloop health`, for scripts and monitoring checks. */
export const HEALTH_EXIT = { ready: 0, notReady: 1, unreachable: 2 } as const;

// A worker bound to every interface is asked on loopback.
function askHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Whose ops server `closeloop health` asks: the worker's (http) or the status API's (statusApi.ops). */
export type HealthTarget = 'worker' | 'status-api';

/** host:port of the target's ops server, or why the config gives none. */
function opsAddress(config: CloseloopConfig, target: HealthTarget): { host: string; port: number } | string {
  if (target === 'worker')
    return config.http ?? 'the config has no http section, so the worker serves no health endpoint';
  if (!config.statusApi) return 'the config has no statusApi section, so no status API runs from it';
  return config.statusApi.ops ?? 'statusApi.ops is null, so the status API serves no health endpoint';
}

/**
 * `closeloop health`: asks the running worker's (or, with `target` status-api, the status API's)
 * ops server for /health/ready and prints its verdict with one reason a line, the same alarms
 * readiness and the metrics show.
 */
export async function runHealth(
  config: CloseloopConfig,
  print: (line: string) => void,
  printError: (line: string) => void,
  timeoutMs = 5_000,
  target: HealthTarget = 'worker',
): Promise<number> {
  const address = opsAddress(config, target);
  if (typeof address === 'string') {
    printError(`closeloop health: ${address}`);
    return HEALTH_EXIT.unreachable;
  }
  const what = target === 'worker' ? 'the worker' : 'the status API';
  const url = `http://${askHost(address.host)}:${address.port}/health/ready`;
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    status = res.status;
    text = await res.text();
  } catch (err) {
    // undici says only "fetch failed"; what failed (ECONNREFUSED, a time-out) is its cause.
    const cause = err instanceof Error && err.cause !== undefined ? `: ${messageOf(err.cause)}` : '';
    printError(`closeloop health: cannot reach ${what} at ${url}: ${messageOf(err)}${cause}`);
    return HEALTH_EXIT.unreachable;
  }
  const body = readinessOf(text);
  if (!body) {
    // Something answered, but not with readiness: another service on that port.
    printError(
      `closeloop health: ${url} answered HTTP ${status} with no readiness JSON; is that ${what}'s ops server?`,
    );
    return HEALTH_EXIT.unreachable;
  }
  if (status !== 200 && status !== 503) {
    printError(`closeloop health: ${url} answered HTTP ${status}; is that ${what}'s ops server?`);
    return HEALTH_EXIT.unreachable;
  }
  print(status === 200 ? 'ready' : 'not ready');
  const reasons = Array.isArray(body.reasons) ? body.reasons.map(String) : [];
  for (const r of reasons) print(`  ${r}`);
  return status === 200 ? HEALTH_EXIT.ready : HEALTH_EXIT.notReady;
}

/** The ops server's readiness answer (`{ status: 'ready' | 'not ready', reasons? }`), or null. */
function readinessOf(text: string): { status: string; reasons?: unknown } | null {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null) return null;
    const status = (v as { status?: unknown }).status;
    return status === 'ready' || status === 'not ready' ? (v as { status: string; reasons?: unknown }) : null;
  } catch {
    return null;
  }
}
