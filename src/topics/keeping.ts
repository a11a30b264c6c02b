import type { CatalogueEntry } from './catalogue.ts';

/**
 * What a topic of the catalogue must keep, read from the settings it is created with: a
 * compacted topic (state, KPI, cursors, alerts) the latest record of every key for good; a kept
 * topic (status, quarantine, drift, replay audit, dead letters) every record for good. A topic
 * that already exists keeps whatever settings it was created or altered with, and Kafka applies
 * them silently: a changelog under the broker's default policy loses the state of every ticket
 * quiet for 7 days, a dead-letter topic its records unreplayed. So provisioning reads them back.
 */
export type Keeping = 'latest-per-key' | 'every-record' | 'broker-default';

export function keepingOf(entry: CatalogueEntry): Keeping {
  const config = entry.spec.config ?? {};
  if (config['cleanup.policy'] === 'compact') return 'latest-per-key';
  if (config['retention.ms'] === '-1') return 'every-record';
  return 'broker-default';
}

/** The broker settings that decide what a topic keeps, as MessagingAdmin.topicSettings reads them. */
export const KEEPING_SETTINGS = ['cleanup.policy', 'retention.ms', 'retention.bytes'] as const;

/** One topic whose settings would lose what closeloop needs it to keep. */
export interface KeepingShortfall {
  readonly topic: string;
  readonly origin: string;
  /** What it has and what that loses, e.g. "retention.ms=604800000 deletes records after 7 days". */
  readonly problems: readonly string[];
  /** The settings that mend it, for `kafka-configs.sh --alter --add-config`. */
  readonly fix: string;
}

/**
 * The problems of one topic's settings for what it must keep; empty when it keeps it. A value
 * the broker did not give (null) is not judged: a broker that does not know a setting applies
 * no such limit.
 */
export function keepingShortfall(
  entry: CatalogueEntry,
  settings: Readonly<Record<string, string | null>>,
): KeepingShortfall | null {
  const keeping = keepingOf(entry);
  if (keeping === 'broker-default') return null;
  const policy = settings['cleanup.policy'] ?? null;
  const policies = (policy ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  // Kafka's topic configuration: an empty list applies no cleanup at all, every segment is kept.
  const keepsAll = policy !== null && policies.length === 0;
  const compacts = policies.includes('compact');
  // Compaction with delete, or delete alone, removes records by age and size as well.
  const deletes = policies.includes('delete');
  const problems: string[] = [];
  if (keeping === 'latest-per-key' && policy !== null && !compacts && !keepsAll)
    problems.push(`cleanup.policy=${policy} does not compact: old keys' records are deleted`);
  if (keeping === 'every-record' && compacts)
    problems.push(`cleanup.policy=${policy} compacts: all but the latest record of a key are removed`);
  // A policy the broker did not give is delete, Kafka's default, for a topic kept whole.
  if (!keepsAll && (deletes || (keeping === 'every-record' && policy === null))) problems.push(...limits(settings));
  if (problems.length === 0) return null;
  const fix =
    keeping === 'latest-per-key'
      ? 'cleanup.policy=compact'
      : [...(compacts ? ['cleanup.policy=delete'] : []), 'retention.ms=-1', 'retention.bytes=-1'].join(',');
  return { topic: entry.topic, origin: entry.origin, problems, fix };
}

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

/**
 * A retention this long keeps records for good as -1 does: Kafka's own "forever" in a number
 * (Long.MAX_VALUE, 9223372036854775807) and a century or more, which no 311 record outlives.
 */
export const FOREVER_MS = 100 * YEAR_MS;

/** Past this a size limit is none: Long.MAX_VALUE and its neighbours, as a number. */
const UNLIMITED_BYTES = 2 ** 62;

/** The age and size limits that delete records, each with what it loses. */
function limits(settings: Readonly<Record<string, string | null>>): string[] {
  const found: string[] = [];
  const ms = Number(settings['retention.ms'] ?? -1);
  if (ms >= 0 && ms < FOREVER_MS)
    found.push(`retention.ms=${settings['retention.ms']} deletes records after ${age(ms)}`);
  const bytes = Number(settings['retention.bytes'] ?? -1);
  if (bytes >= 0 && bytes < UNLIMITED_BYTES)
    found.push(
      `retention.bytes=${settings['retention.bytes']} deletes the oldest records past that size per partition`,
    );
  return found;
}

/** A retention as a person reads it: minutes, hours, days or years, to one decimal. */
function age(ms: number): string {
  const [n, unit] =
    ms >= YEAR_MS
      ? [ms / YEAR_MS, 'year']
      : ms >= DAY_MS
        ? [ms / DAY_MS, 'day']
        : ms >= 3_600_000
          ? [ms / 3_600_000, 'hour']
          : [ms / 60_000, 'minute'];
  const rounded = Number(n.toFixed(1));
  return `${rounded} ${unit}${rounded === 1 ? '' : 's'}`;
}
