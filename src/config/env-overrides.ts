import type { z } from 'zod';
import { issueLine } from './yaml.ts';

/**
 * The addresses the environment may set in place of the file's (KAFKA_BROKERS,
 * SCHEMA_REGISTRY_URL). A value that fails validation is the variable's fault, not the file's:
 * its problem names the variable, so the on-call operator is not sent to a file that is right.
 */
interface Override {
  readonly variable: string;
  /** The config path the variable sets. */
  readonly path: readonly string[];
  /** The value as it may be printed. */
  readonly shown: string;
  /** The problem of the value, from zod's issue below path (rest) and its message. */
  readonly explain: (rest: readonly PropertyKey[], message: string) => string;
}

export interface WithOverrides {
  readonly raw: Record<string, unknown>;
  readonly overrides: readonly Override[];
}

/** The raw config with the environment's addresses merged in, and what each override set. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): WithOverrides {
  const merged = { ...raw };
  const overrides: Override[] = [];
  const brokersEnv = env['KAFKA_BROKERS'];
  if (brokersEnv) {
    const brokers = brokersEnv.split(',').map((b) => b.trim());
    merged['kafka'] = overlay(merged['kafka'], { brokers });
    overrides.push({
      variable: 'KAFKA_BROKERS',
      path: ['kafka', 'brokers'],
      // Broker addresses carry no credential.
      shown: brokersEnv,
      explain: (rest, message) => {
        const broker = typeof rest[0] === 'number' ? brokers[rest[0]] : undefined;
        return broker === undefined
          ? message
          : `${JSON.stringify(broker)} is not ${message} (brokers are host:port, comma-separated)`;
      },
    });
  }
  const registryEnv = env['SCHEMA_REGISTRY_URL'];
  if (registryEnv) {
    // Only the address: the file's other registry settings (time-outs) stay.
    merged['schemaRegistry'] = overlay(merged['schemaRegistry'], { url: registryEnv });
    overrides.push({
      variable: 'SCHEMA_REGISTRY_URL',
      path: ['schemaRegistry', 'url'],
      shown: withoutUserinfo(registryEnv),
      explain: (_, message) => message,
    });
  }
  return { raw: merged, overrides };
}

/**
 * The file's section with the variable's setting laid over it. A section that is no mapping (a
 * string, a list) is left as written for the schema to refuse as such: spread, a string would
 * turn into keys "0", "1", … and the problem read as unknown keys.
 */
function overlay(section: unknown, setting: Record<string, unknown>): unknown {
  if (section === undefined || section === null) return setting;
  if (typeof section !== 'object' || Array.isArray(section)) return section;
  return { ...section, ...setting };
}

/**
 * zod's issues as "<where>: <path>: <message>" lines (see issues() in yaml.ts), with those of a
 * value the environment set blamed on its variable instead of the file.
 */
export function configIssues(file: string, error: z.ZodError, overrides: readonly Override[]): string[] {
  return error.issues.map((i) => {
    const o = overrides.find((v) => v.path.every((p, n) => i.path[n] === p));
    if (!o) return issueLine(file, i);
    const explained = o.explain(i.path.slice(o.path.length), i.message);
    return `${o.variable}=${JSON.stringify(o.shown)} (from the environment, in place of ${o.path.join('.')} in ${file}): ${explained}`;
  });
}

/**
 * The URL with any user name and password cut out: an operator may put the registry's
 * credentials there, and a problem is printed. Cut up to the last "@", so a password with an
 * "@" or "/" of its own does not show either; a URL too broken to parse is cut the same way.
 */
export function withoutUserinfo(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
  return `${scheme}***${url.slice(at)}`;
}
