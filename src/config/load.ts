import path from 'node:path';
import type { Policy, StatusMapping } from '../domain/index.ts';
import { CloseloopError, messageOf, SUGGEST_KEYS } from '../errors/index.ts';
import { topicClashes } from '../topics/index.ts';
import {
  checkConnectorsAndRoutes,
  repeatedConnectors,
  routeKey,
  type ConnectorChecker,
  type ConnectorInstance,
} from './connector-routes.ts';
import { unexpandedVariables } from './unexpanded.ts';
import { applyEnvOverrides, configIssues } from './env-overrides.ts';
import { loadSla } from './load-sla.ts';
import { registryAddress } from './registry-url.ts';
import { accountableFor, loadRoles, type RolesTable } from './roles.ts';
import { issues, readYaml } from './yaml.ts';
import { closeloopConfigSchema, statusMappingSchema, unmappedInRaw, type Topics } from './schema.ts';

export interface CloseloopConfig {
  readonly jurisdiction: string;
  readonly kafka: { readonly brokers: readonly string[]; readonly clientId: string };
  readonly schemaRegistry: {
    readonly url: string;
    readonly timeoutMs: number;
    readonly unknownIdWaitMs: number;
    readonly username?: string;
    readonly password?: string;
  };
  readonly topics: Topics;
  readonly processor: {
    readonly groupId: string;
    readonly partitions: number;
    /** See the config schema: worker threads, each a member of the processor's group. */
    readonly threads: number;
    readonly expiryIntervalMs: number;
    readonly sessionTimeoutMs: number;
    readonly slaCheckIntervalMs: number;
    /** See the config schema: when a consumer's trouble becomes an alarm. */
    readonly consumerFailingAfterMs: number;
    /** See the config schema: start a partition whose state changelog was lost, with no tickets. */
    readonly acceptEmptyState: boolean;
    /** See the config schema: how often a running processor checks its topics' partition counts. */
    readonly partitionCheckIntervalMs: number;
  };
  readonly policy: Policy;
  readonly connectors: readonly ConnectorInstance[];
  readonly http: { readonly host: string; readonly port: number } | null;
  /** The public Open311 status API (closeloop status-api); null when not configured. */
  readonly statusApi: StatusApiSettings | null;
  /** Who is accountable for each department's 311 work; null when the config names no roles file. */
  readonly roles: RolesTable | null;
  readonly reconcile: ReconcileSettings;
}

export interface ReconcileSettings {
  readonly closedByHand: 'reopen' | 'accept';
  readonly closedWindowDays: number;
  readonly ratePerSecond: number;
  readonly settleSeconds: number;
  readonly intervalMinutes: number | null;
}

export interface StatusApiSettings {
  readonly host: string;
  readonly port: number;
  readonly rateLimit: { readonly points: number; readonly durationSeconds: number } | null;
  readonly trustProxy: boolean;
  readonly historyLimit: number;
  readonly maxIdsPerRequest: number;
  /** Optional so that settings written before them (and in tests) stay valid; the loader fills them. */
  readonly publicUrl?: string | null;
  readonly cityName?: string;
  readonly timeZone?: string;
  readonly targets?: Readonly<
    Record<string, { readonly responsePct?: number | undefined; readonly completionPct?: number | undefined }>
  >;
  /** The operators' listener (/metrics, /health/*), apart from the public port; off when null or absent. */
  readonly ops?: { readonly host: string; readonly port: number } | null;
}

/** Reads and validates one status mapping file. */
export async function loadStatusMapping(file: string): Promise<StatusMapping> {
  const raw = await readYaml(file);
  const parsed = statusMappingSchema.safeParse(raw, SUGGEST_KEYS);
  const problems = [
    ...(parsed.success ? [] : issues(file, parsed.error)),
    ...unmappedInRaw(raw).map((code) => `${file}: codes.${code}: known code ${code} is not mapped`),
  ];
  if (!parsed.success || problems.length > 0) throw new CloseloopError('CL_CONFIG_INVALID', problems.join('\n'));
  return parsed.data;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export interface LoadOptions {
  /**
   * Checks each connector instance with its connector's own rules (and credentials, where the
   * caller runs connectors). With it, routes no connector serves are refused, and the processor
   * quarantines commands for routes it was not given (NO_CONNECTOR). Tools that only read
   * topics leave it out.
   */
  readonly checkConnector?: ConnectorChecker;
}

/**
 * Loads the YAML config, the status mappings it names and the environment overrides, reports
 * every problem at once, and returns a frozen config. Credentials come from the environment only
 * (the registry's may also be in its URL's userinfo, taken out of the URL at load).
 */
export async function loadConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  options: LoadOptions = {},
): Promise<CloseloopConfig> {
  const raw = await readYaml(file);
  // A scalar or a list is no config: spread, a string would become keys "0", "1", … to complain of.
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new CloseloopError(
      'CL_CONFIG_INVALID',
      `${file}: the config must be a YAML mapping (kafka:, schemaRegistry:, …), not ${Array.isArray(raw) ? 'a list' : `a ${typeof raw}`}`,
    );
  }
  const { raw: withEnv, overrides } = applyEnvOverrides({ ...(raw ?? {}) } as Record<string, unknown>, env);
  const parsed = closeloopConfigSchema.safeParse(withEnv, SUGGEST_KEYS);
  const problems = parsed.success ? [] : configIssues(file, parsed.error, overrides);
  problems.push(...repeatedConnectors(file, withEnv));
  problems.push(
    ...unexpandedVariables(
      file,
      raw,
      overrides.map((o) => o.path),
    ),
  );
  // Before anything connects: a clash would otherwise surface half-way through provisioning.
  if (parsed.success) problems.push(...topicClashes(parsed.data).map((p) => `${file}: ${p}`));
  const connectorCheck = options.checkConnector
    ? checkConnectorsAndRoutes(file, withEnv, env, options.checkConnector)
    : null;
  problems.push(...(connectorCheck?.problems ?? []));
  const mappings: Record<string, StatusMapping> = {};
  if (parsed.success) {
    for (const rel of parsed.data.statusMappings) {
      const mappingFile = path.resolve(path.dirname(file), rel);
      try {
        const m = await loadStatusMapping(mappingFile);
        if (mappings[m.system]) problems.push(`${mappingFile}: system ${m.system} is mapped twice`);
        mappings[m.system] = m;
      } catch (err) {
        problems.push(messageOf(err));
      }
    }
    for (const [service, targets] of Object.entries(parsed.data.routing.services)) {
      for (const t of targets) {
        if (!mappings[t.system] && Object.keys(mappings).length > 0) {
          problems.push(`${file}: routing.services.${service}: system ${t.system} has no status mapping`);
        }
      }
    }
  }
  const sla =
    parsed.success && parsed.data.sla
      ? await loadSla(
          file,
          parsed.data.sla,
          {
            serviceCodes: Object.keys(parsed.data.routing.services),
            holdReasons: new Set(
              Object.values(mappings).flatMap((m) => Object.values(m.codes).flatMap((c) => c.holdReason ?? [])),
            ),
          },
          problems,
        )
      : null;
  // A route no connector serves is reported above; its department (a typo, often) is not also
  // blamed on the roles file.
  const unserved = connectorCheck?.unserved ?? new Set<string>();
  const routed = Object.values(parsed.data?.routing.services ?? {}).flatMap((ts) =>
    ts.filter((t) => !unserved.has(routeKey(t))).map((t) => t.department),
  );
  const roles =
    parsed.success && parsed.data.roles
      ? await loadRoles(file, parsed.data.roles, [...new Set(routed)], problems)
      : null;
  if (!parsed.success || problems.length > 0) {
    throw new CloseloopError('CL_CONFIG_INVALID', `invalid configuration:\n${problems.join('\n')}`, {
      details: { problems },
    });
  }
  const c = parsed.data;
  // The SLA tables are left out of the deep freeze: calendars keep caches of their own, and
  // the tables are read-only by interface.
  const frozen = deepFreeze({
    jurisdiction: c.jurisdiction,
    kafka: c.kafka,
    // The URL's user name and password become basic auth, out of the URL (see registryAddress).
    schemaRegistry: { ...c.schemaRegistry, ...registryAddress(c.schemaRegistry.url, env) },
    topics: c.topics,
    processor: {
      groupId: c.processor.groupId,
      partitions: c.processor.partitions,
      threads: c.processor.threads,
      expiryIntervalMs: c.processor.expiryIntervalMs,
      sessionTimeoutMs: c.processor.sessionTimeoutMs,
      slaCheckIntervalMs: c.processor.slaCheckIntervalMs,
      consumerFailingAfterMs: c.processor.consumerFailingAfterMs,
      acceptEmptyState: c.processor.acceptEmptyState,
      partitionCheckIntervalMs: c.processor.partitionCheckIntervalMs,
    },
    connectors: c.connectors,
    http: c.http ?? null,
    statusApi: c.statusApi ?? null,
    roles,
    reconcile: c.reconcile,
    policy: {
      jurisdiction: c.jurisdiction,
      routing: c.routing.services,
      mappings,
      retentionMs: c.processor.retentionDays * 86_400_000,
      defaultPriority: c.routing.defaultPriority,
      served: connectorCheck ? [...connectorCheck.served] : null,
      sentinel: c.sentinel,
      accountable: roles
        ? Object.fromEntries(Object.keys(roles.departments).map((d) => [d, accountableFor(roles, d) ?? d]))
        : {},
      ordering: c.processor.ordering,
      scrubDescriptions: c.privacy.scrubDepartmentDescriptions,
    },
  });
  return Object.freeze({ ...frozen, policy: Object.freeze({ ...frozen.policy, sla }) });
}
