import type { CloseloopConfig } from '../config/index.ts';
import type { AlertRecord } from '../domain/index.ts';
import { CloseloopError, messageOf } from '../errors/index.ts';
import { AvroSerde, createKafkaMessaging, requireTopics } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { alertAge, openAlerts } from '../ops/index.ts';
import { failureLine } from './describe-error.ts';
import { alertsSection, stuckOnTopic } from '../processor/index.ts';

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

/** The alerts open on the alerts topic, every process's: what `closeloop health` counts stuck tickets from. */
export type AlertsReader = () => Promise<readonly AlertRecord[]>;

/** How long `closeloop health` waits for the alerts topic before it falls back to the worker's own count. */
export const ALERTS_READ_MS = 15_000;

/** Reads the config's alerts topic to its end (as `closeloop alerts list` does), within ALERTS_READ_MS. */
export function topicAlerts(config: CloseloopConfig, logger: Logger, withinMs = ALERTS_READ_MS): AlertsReader {
  return async () => {
    const messaging = createKafkaMessaging({
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-health`,
      logger,
    });
    const admin = messaging.admin();
    const read = (async () => {
      await admin.connect();
      try {
        // At once rather than after the wait below: a missing topic is the config's or a processor never started.
        await requireTopics(admin, [config.topics.alerts]);
        return await openAlerts(messaging, admin, new AvroSerde({ ...config.schemaRegistry }), config.topics.alerts);
      } finally {
        await admin.disconnect();
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CloseloopError('CL_KAFKA_TRANSIENT', `no answer within ${withinMs} ms`)),
        withinMs,
      );
    });
    try {
      return await Promise.race([read, late]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Whose ops server `closeloop health` asks: the worker's (http) or the status API's (statusApi.ops). */
export type HealthTarget = 'worker' | 'status-api';

/** host:port of the target's ops server, or why the config gives none. */
function opsAddress(config: CloseloopConfig, target: HealthTarget): { host: string; port: number } | string {
  if (target === 'worker')
    return config.http ?? 'the config has no http section, so the worker (or processor) serves no health endpoint';
  if (!config.statusApi) return 'the config has no statusApi section, so no status API runs from it';
  return config.statusApi.ops ?? 'statusApi.ops is off, so the status API serves no health endpoint';
}

/**
 * `closeloop health`: asks the running worker's (or, with `target` status-api, the status API's)
 * ops server for /health/ready and prints its verdict with one reason a line, the same alarms
 * readiness and the metrics show, then the stuck-ticket alerts open, if any: how many per
 * reason and the oldest, each naming its ticket, department, who is accountable, since when and
 * for how long as of the count.
 *
 * The stuck tickets are read from the alerts topic (`alerts`, as the command runs it), so they
 * are every partition's: a worker's readiness counts only the partitions its processor owns, and
 * with a second process on the processor's group (a separate `npm run processor`, a second
 * worker) the others are that one's. Without a reader, or when the topic cannot be read, the
 * worker's own count is printed, saying which partitions it covers.
 */
export async function runHealth(
  config: CloseloopConfig,
  print: (line: string) => void,
  printError: (line: string) => void,
  timeoutMs = 5_000,
  target: HealthTarget = 'worker',
  alerts?: AlertsReader,
): Promise<number> {
  const address = opsAddress(config, target);
  if (typeof address === 'string') {
    printError(failureLine('CL_CONFIG_INVALID', address));
    return HEALTH_EXIT.unreachable;
  }
  // The processor run alone (npm run processor) serves the same endpoints on the same http section.
  const what = target === 'worker' ? 'the worker (or the processor run alone)' : 'the status API';
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
    printError(failureLine('CL_OPS_UNREACHABLE', `cannot reach ${what} at ${url}: ${messageOf(err)}${cause}`));
    return HEALTH_EXIT.unreachable;
  }
  const body = readinessOf(text);
  if (!body) {
    // Something answered, but not with readiness: another service on that port.
    printError(
      failureLine(
        'CL_OPS_UNREACHABLE',
        `${url} answered HTTP ${status} with no readiness JSON; is that the ops server of ${what}?`,
      ),
    );
    return HEALTH_EXIT.unreachable;
  }
  if (status !== 200 && status !== 503) {
    printError(failureLine('CL_OPS_UNREACHABLE', `${url} answered HTTP ${status}; is that the ops server of ${what}?`));
    return HEALTH_EXIT.unreachable;
  }
  print(status === 200 ? 'ready' : 'not ready');
  const reasons = Array.isArray(body.reasons) ? body.reasons.map(String) : [];
  for (const r of reasons) print(`  ${r}`);
  // Not a reason: standing by is a standby's job. Said, so an operator knows to ask the other worker.
  for (const r of standingBy(body.runners))
    print(`  ${r.replace(/-source$/, ' source')}: standby (another worker holds its lease and runs it)`);
  const open = await printStuck(config, body.alerts, target === 'worker' ? alerts : undefined, print);
  if (status !== 200) return HEALTH_EXIT.notReady;
  return open > 0 ? HEALTH_EXIT.alertsOpen : HEALTH_EXIT.ready;
}

const nonEmpty = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The stuck tickets of every partition from the alerts topic, else the worker's own; returns how many are open. */
async function printStuck(
  config: CloseloopConfig,
  section: unknown,
  alerts: AlertsReader | undefined,
  print: (line: string) => void,
): Promise<number> {
  if (alerts) {
    try {
      const all = alertsSection(stuckOnTopic(await alerts(), Date.now()));
      return printAlerts(all, ` on ${config.topics.alerts}`, print);
    } catch (err) {
      print(`  (${config.topics.alerts} could not be read: ${messageOf(err)}; the worker's own count follows)`);
    }
  }
  const partitions =
    typeof section === 'object' && section !== null ? (section as Record<string, unknown>)['partitions'] : null;
  const owned = Array.isArray(partitions) && partitions.length > 0 ? partitions.map(String).join(', ') : null;
  return printAlerts(section, owned === null ? '' : ` in the partitions this process owns (${owned})`, print);
}

/**
 * The readiness body's `alerts` section (see alertsSection), printed when any is open; returns
 * how many are. Read field by field: the answer comes over the network.
 */
function printAlerts(section: unknown, scope: string, print: (line: string) => void): number {
  if (typeof section !== 'object' || section === null) return 0;
  const { open, byReason, oldest, checkedAt } = section as Record<string, unknown>;
  if (typeof open !== 'number' || open <= 0) return 0;
  const counts = Object.entries(typeof byReason === 'object' && byReason !== null ? byReason : {})
    .map(([reason, n]) => `${reason} ${String(n)}`)
    .sort();
  const asOf = nonEmpty(checkedAt) ? ` as of ${String(checkedAt)}` : '';
  // How long each has lasted, as of the count: the alert's own detail gives its age at raise only.
  const countedAt = Date.parse(String(checkedAt));
  print(`${open} stuck-ticket alert(s) open (${counts.join(', ')})${asOf}${scope}; the oldest:`);
  const shown = Array.isArray(oldest) ? oldest : [];
  for (const a of shown) {
    const x = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
    const subject = nonEmpty(x['subject']) ? ` ${String(x['subject'])}` : '';
    const department = nonEmpty(x['department']) ?? '311';
    const accountable = nonEmpty(x['accountable']) ?? 'no accountable role configured';
    const since = Date.parse(String(x['since']));
    const age = Number.isNaN(since) || Number.isNaN(countedAt) ? '' : ` (for ${alertAge(since, countedAt)})`;
    print(
      `  ${String(x['ticketId'])} ${String(x['reason'])}${subject}: ${department}, ${accountable}, since ${String(x['since'])}${age}`,
    );
  }
  if (open > shown.length) print(`  and ${open - shown.length} more; closeloop alerts list prints every one`);
  return open;
}

interface ReadinessBody {
  readonly status: string;
  readonly reasons?: unknown;
  readonly alerts?: unknown;
  readonly runners?: unknown;
}

/** The runners the readiness body shows standing by (`crm-rest-source`): another worker runs them. */
function standingBy(runners: unknown): string[] {
  if (!Array.isArray(runners)) return [];
  return runners.flatMap((r: unknown) => {
    const { runner, state } = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
    return state === 'standby' && typeof runner === 'string' ? [runner] : [];
  });
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
