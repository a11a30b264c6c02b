import type { CloseloopConfig } from '../config/index.ts';
import { messageOf } from '../errors/index.ts';

/**
 * Exit codes of `closeloop health`, for scripts and monitoring checks. `alertsOpen`: ready, but
 * the stuck-ticket sentinel has alerts open; a ticket has stopped, and someone must act on it.
 */
export const HEALTH_EXIT = { ready: 0, notReady: 1, unreachable: 2, alertsOpen: 3 } as const;

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
    return config.http ?? 'the config has no http section, so the worker (or processor) serves no health endpoint';
  if (!config.statusApi) return 'the config has no statusApi section, so no status API runs from it';
  return config.statusApi.ops ?? 'statusApi.ops is null, so the status API serves no health endpoint';
}

/**
 * `closeloop health`: asks the running worker's (or, with `target` status-api, the status API's)
 * ops server for /health/ready and prints its verdict with one reason a line, the same alarms
 * readiness and the metrics show, then the stuck-ticket alerts open, if any: how many per
 * reason and the oldest, each naming its ticket, department, who is accountable and since when.
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
  const open = printAlerts(body.alerts, print);
  if (status !== 200) return HEALTH_EXIT.notReady;
  return open > 0 ? HEALTH_EXIT.alertsOpen : HEALTH_EXIT.ready;
}

const nonEmpty = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The readiness body's `alerts` section (see alertsSection), printed when any is open; returns
 * how many are. Read field by field: the answer comes over the network.
 */
function printAlerts(section: unknown, print: (line: string) => void): number {
  if (typeof section !== 'object' || section === null) return 0;
  const { open, byReason, oldest, checkedAt } = section as Record<string, unknown>;
  if (typeof open !== 'number' || open <= 0) return 0;
  const counts = Object.entries(typeof byReason === 'object' && byReason !== null ? byReason : {})
    .map(([reason, n]) => `${reason} ${String(n)}`)
    .sort();
  const asOf = nonEmpty(checkedAt) ? ` as of ${String(checkedAt)}` : '';
  print(`${open} stuck-ticket alert(s) open (${counts.join(', ')})${asOf}; the oldest:`);
  const shown = Array.isArray(oldest) ? oldest : [];
  for (const a of shown) {
    const x = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
    const subject = nonEmpty(x['subject']) ? ` ${String(x['subject'])}` : '';
    const department = nonEmpty(x['department']) ?? '311';
    const accountable = nonEmpty(x['accountable']) ?? 'no accountable role configured';
    print(
      `  ${String(x['ticketId'])} ${String(x['reason'])}${subject}: ${department}, ${accountable}, since ${String(x['since'])}`,
    );
  }
  if (open > shown.length) print(`  and ${open - shown.length} more; closeloop alerts list prints every one`);
  return open;
}

interface ReadinessBody {
  readonly status: string;
  readonly reasons?: unknown;
  readonly alerts?: unknown;
}

/** The ops server's readiness answer (`{ status: 'ready' | 'not ready', reasons?, alerts? }`), or null. */
function readinessOf(body: string): ReadinessBody | null {
  try {
    const v = JSON.parse(body) as unknown;
    if (typeof v !== 'object' || v === null) return null;
    const status = (v as { status?: unknown }).status;
    return status === 'ready' || status === 'not ready' ? (v as ReadinessBody) : null;
  } catch {
    return null;
  }
}
