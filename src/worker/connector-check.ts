import type { z } from 'zod';
import { connectors } from '../../connectors/index.ts';
import type { CloseloopConfig, ConnectorChecker, ConnectorInstance, ConnectorReport } from '../config/index.ts';
import { messageOf } from '../errors/index.ts';
import { parseConnectorConfig, type ConnectorDefinition } from '../sdk/index.ts';

export type AnyConnector = ConnectorDefinition<z.ZodType, unknown, unknown>;

export interface CheckedConnector extends ConnectorReport {
  readonly definition: AnyConnector | null;
  /** The connector's own settings, parsed and frozen; null when they did not validate. */
  readonly settings: unknown;
}

const registry = connectors as Readonly<Record<string, AnyConnector>>;

/**
 * Checks one connector instance against its connector's own schema and, when asked, that the
 * environment holds every credential it names. Returns every problem, never the first only.
 */
export function checkConnector(
  instance: Pick<ConnectorInstance, 'name' | 'config'> & Partial<Pick<ConnectorInstance, 'webhook'>>,
  env: NodeJS.ProcessEnv,
  options: { credentials: boolean },
): CheckedConnector {
  const definition = Object.hasOwn(registry, instance.name) ? (registry[instance.name] ?? null) : null;
  if (!definition) {
    const known = Object.keys(registry).join(', ');
    return {
      definition,
      settings: null,
      serves: [],
      problems: [`unknown connector ${instance.name}; known: ${known}`],
    };
  }
  let settings: unknown;
  try {
    settings = parseConnectorConfig(definition.name, definition.config, instance.config);
  } catch (err) {
    return { definition, settings: null, serves: [], problems: [messageOf(err)] };
  }
  // The webhook's token is a credential too: a doorbell anyone could ring is refused at start-up.
  const named = [
    ...(definition.credentials?.(settings) ?? []),
    ...(instance.webhook ? [instance.webhook.tokenEnv] : []),
  ];
  const missing = options.credentials ? named.filter((name) => !env[name]) : [];
  const unsendable = options.credentials ? named.filter((name) => !sendable(env[name])) : [];
  return {
    definition,
    settings,
    serves: definition.serves?.(settings) ?? [],
    // The variable's name only: its value, when there is one, is never printed.
    problems: [
      ...missing.map((name) => `${instance.name}: environment variable ${name} is not set (its credential)`),
      ...unsendable.map(
        (name) =>
          `${instance.name}: environment variable ${name} holds what no HTTP header can carry (a control character, ` +
          `such as the newline of a secret written with echo, or blanks around it)`,
      ),
    ],
  };
}

/**
 * Whether a credential can go in a header as it is. One that cannot fails every call before it
 * is sent, as an error no record is to blame for, so it is refused at start-up instead; blanks
 * around it would be dropped on the way, and the system would see another credential.
 */
function sendable(value: string | undefined): boolean {
  if (!value) return true;
  // Visible ASCII, inner blanks and tabs, and obs-text (RFC 9110's field-value); nothing else.
  return /^[\x21-\x7e\x80-\xff]([\x20-\x7e\x80-\xff\t]*[\x21-\x7e\x80-\xff])?$/.test(value);
}

/** For loadConfig: each instance checked by its own connector, credentials included or not. */
export function connectorChecker(options: { credentials: boolean }): ConnectorChecker {
  return (instance, env) => checkConnector(instance, env, options);
}

/** The bearer token each connector's webhook doorbell expects (connector checks ensure it is set). */
export function webhookTokens(config: CloseloopConfig, env: NodeJS.ProcessEnv): ReadonlyMap<string, string> {
  const tokens = new Map<string, string>();
  for (const i of config.connectors) {
    const token = i.source && i.webhook ? env[i.webhook.tokenEnv] : undefined;
    if (token) tokens.set(i.name, token);
  }
  return tokens;
}
