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

/**
 * `closeloop health`: asks the running worker's ops server for /health/ready and prints its
 * verdict with one reason a line, the same alarms readiness and the metrics show.
 */
export async function runHealth(
  config: CloseloopConfig,
  print: (line: string) => void,
  printError: (line: string) => void,
  timeoutMs = 5_000,
): Promise<number> {
  if (!config.http) {
    printError('closeloop health: the config has no http section, so the worker serves no health endpoint');
    return HEALTH_EXIT.unreachable;
  }
  const url = `http://${askHost(config.http.host)}:${config.http.port}/health/ready`;
  let status: number;
  let body: { status?: unknown; reasons?: unknown };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    status = res.status;
    body = (await res.json()) as typeof body;
  } catch (err) {
    printError(`closeloop health: cannot reach the worker at ${url}: ${messageOf(err)}`);
    return HEALTH_EXIT.unreachable;
  }
  if (status !== 200 && status !== 503) {
    printError(`closeloop health: ${url} answered HTTP ${status}; is that a closeloop worker?`);
    return HEALTH_EXIT.unreachable;
  }
  print(status === 200 ? 'ready' : 'not ready');
  const reasons = Array.isArray(body.reasons) ? body.reasons.map(String) : [];
  for (const r of reasons) print(`  ${r}`);
  return status === 200 ? HEALTH_EXIT.ready : HEALTH_EXIT.notReady;
}
