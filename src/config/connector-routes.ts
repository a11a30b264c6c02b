import type { RouteTarget, SilenceSettings } from '../domain/index.ts';
import { closeloopConfigSchema } from './schema.ts';

export interface ConnectorInstance {
  readonly name: string;
  readonly source: boolean;
  readonly sink: boolean;
  /** How the source paces its polls, and its webhook doorbell (see source-pacing.ts). */
  readonly pollIntervalMs: number;
  readonly busyPollIntervalMs?: number | undefined;
  readonly pollBackoff?: number | undefined;
  readonly fencedRetryMs?: number | undefined;
  readonly webhook?: { readonly tokenEnv: string } | undefined;
  /** Tickets a sink delivers at once per partition of its topic. */
  readonly maxInFlight: number;
  /** Pause cycles a sink's record may take before it is given up on (see sink-delivery.ts). */
  readonly maxDeliveryCycles?: number | undefined;
  /** Tickets dead-lettered in a row with one HTTP status before the sink pauses (see sink-breaker.ts). */
  readonly breakAfterSameStatus?: number | undefined;
  /** The source's expected cadence; CONNECTOR_SILENT when it is quiet for longer. */
  readonly silence?: SilenceSettings | undefined;
  readonly config: Readonly<Record<string, unknown>>;
}

/** What a connector's own checks found in one instance, and the department routes its sink serves. */
export interface ConnectorReport {
  readonly problems: readonly string[];
  readonly serves: readonly RouteTarget[];
}

/**
 * Checks one connector instance with its connector's own rules. The config layer cannot import
 * connectors (they sit above it), so whoever starts the bridge passes this in.
 */
export type ConnectorChecker = (
  instance: Pick<ConnectorInstance, 'name' | 'config'> & Partial<Pick<ConnectorInstance, 'webhook'>>,
  env: NodeJS.ProcessEnv,
) => ConnectorReport;

export const routeKey = (t: RouteTarget): string => `${t.system}/${t.department}`;

/**
 * A connector named twice. The worker runs one instance of each connector: its runners, consumer
 * group, cursor and admin routes go by the connector's name, so a second instance would replace
 * the first, and the routes the first serves would wait at ROUTED while readiness said ready.
 * Read from the raw file, so it is reported with every other problem whatever else is wrong.
 */
export function repeatedConnectors(file: string, raw: Record<string, unknown>): string[] {
  const entries = raw['connectors'];
  if (!Array.isArray(entries)) return [];
  const first = new Map<string, number>();
  const problems: string[] = [];
  entries.forEach((entry: unknown, i) => {
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, i);
      return;
    }
    problems.push(
      `${file}: connectors.${i}: a second ${name} instance (connectors.${earlier} is ${name} too): the worker ` +
        `runs one instance of each connector; list the departments of both in one instance's config (its ` +
        `departments) and remove the other (two installations of one connector cannot both be served)`,
    );
  });
  return problems;
}

/**
 * Every connector instance checked by its connector, and every route checked to have a
 * running sink that serves it: a route with none would leave its tickets at ROUTED for good.
 * The two sections are parsed on their own, so their problems are reported together with any
 * other problem of the file. Returns the problems and the routes served.
 */
export function checkConnectorsAndRoutes(
  file: string,
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  checker: ConnectorChecker,
): { problems: string[]; served: Set<string>; unserved: Set<string> } {
  const { connectors, routing } = closeloopConfigSchema.shape;
  const instances = connectors.safeParse(raw['connectors']);
  const routes = routing.safeParse(raw['routing']);
  const problems: string[] = [];
  const served = new Set<string>();
  const unserved = new Set<string>();
  // Systems whose connector's own settings did not validate: what they serve is unknown, and a
  // route to them is not reported as unserved beside the setting that is the real problem.
  const unknown = new Set<string>();
  if (!instances.success) return { problems, served, unserved };
  instances.data.forEach((instance, i) => {
    const report = checker(instance, env);
    problems.push(...report.problems.map((p) => `${file}: connectors.${i}: ${p}`));
    if (report.problems.length > 0 && report.serves.length === 0) unknown.add(instance.name);
    // The doorbell is a route of the ops server: without one, nothing would answer the system.
    if (instance.webhook && raw['http'] === undefined)
      problems.push(`${file}: connectors.${i}: webhook needs the ops server: add an http section`);
    if (instance.sink) for (const t of report.serves) served.add(routeKey(t));
  });
  if (!routes.success) return { problems, served, unserved };
  const offered = [...served].sort().join(', ') || 'none';
  for (const [service, targets] of Object.entries(routes.data.services)) {
    for (const t of targets) {
      if (served.has(routeKey(t)) || unknown.has(t.system)) continue;
      unserved.add(routeKey(t));
      problems.push(
        `${file}: routing.services.${service}: no connector sink serves ${t.department} on ${t.system} ` +
          `(served here: ${offered}); add that system's connector or remove the route`,
      );
    }
  }
  return { problems, served, unserved };
}
