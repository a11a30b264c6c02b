import { closestMatch } from 'leven';
import type { z } from 'zod';

/**
 * Parse options for the strict schemas of closeloop's files (the config, its roles, SLA and
 * mapping files, an import mapping, a connector's settings): an unknown key is told with the key
 * that was most likely meant, or with the keys there are. Zod's own message, `Unrecognized key:
 * "partitons"`, leaves the reader to find the spelling in the docs.
 */
export const SUGGEST_KEYS: z.core.ParseContext<z.core.$ZodIssue> = { error: unknownKeysMessage };

function unknownKeysMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const known = Object.keys(shapeOf(issue.inst));
  if (known.length === 0) return undefined;
  // A key given already is not what a misspelt one meant.
  const given = typeof issue.input === 'object' && issue.input !== null ? Object.keys(issue.input) : [];
  const free = known.filter((k) => !given.includes(k));
  const meant = issue.keys.map((key) => [key, closest(key, free)] as const);
  const named = meant.map(([key, m]) => (m === undefined ? `"${key}"` : `"${key}" (did you mean "${m}"?)`));
  const head = `Unrecognized key${issue.keys.length > 1 ? 's' : ''}: ${named.join(', ')}`;
  return meant.every(([, m]) => m !== undefined) ? head : `${head}; the keys here are ${known.join(', ')}`;
}

/** The known key nearest to `key`, ignoring case, if it is near enough to be a slip. */
function closest(key: string, candidates: readonly string[]): string | undefined {
  const lower = candidates.map((c) => c.toLowerCase());
  const exact = lower.indexOf(key.toLowerCase());
  if (exact >= 0) return candidates[exact];
  const maxDistance = Math.max(1, Math.floor(key.length / 3));
  const match = closestMatch(key.toLowerCase(), lower, { maxDistance });
  return match === undefined ? undefined : candidates[lower.indexOf(match)];
}

function shapeOf(inst: unknown): Record<string, unknown> {
  const shape = (inst as { _zod?: { def?: { shape?: unknown } } } | undefined)?._zod?.def?.shape;
  return typeof shape === 'object' && shape !== null ? (shape as Record<string, unknown>) : {};
}
