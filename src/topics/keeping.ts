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
  const policies = (settings['cleanup.policy'] ?? '').split(',').map((p) => p.trim());
  const compacts = policies.includes('compact');
  // Compaction with delete, or delete alone, removes records by age and size as well.
  const deletes = policies.includes('delete') || (settings['cleanup.policy'] != null && !compacts);
  const problems: string[] = [];
  if (keeping === 'latest-per-key' && !compacts)
    problems.push(`cleanup.policy=${settings['cleanup.policy']} does not compact: old keys' records are deleted`);
  if (keeping === 'every-record' && compacts)
    problems.push(
      `cleanup.policy=${settings['cleanup.policy']} compacts: all but the latest record of a key are removed`,
    );
  if (deletes || keeping === 'every-record') problems.push(...limits(settings));
  if (problems.length === 0) return null;
  const fix =
    keeping === 'latest-per-key'
      ? 'cleanup.policy=compact'
      : [...(compacts ? ['cleanup.policy=delete'] : []), 'retention.ms=-1', 'retention.bytes=-1'].join(',');
  return { topic: entry.topic, origin: entry.origin, problems, fix };
}

/** The age and size limits that delete records, each with what it loses. */
function limits(settings: Readonly<Record<string, string | null>>): string[] {
  const found: string[] = [];
  const ms = settings['retention.ms'];
  if (ms != null && Number(ms) >= 0) found.push(`retention.ms=${ms} deletes records after ${age(Number(ms))}`);
  const bytes = settings['retention.bytes'];
  if (bytes != null && Number(bytes) >= 0)
    found.push(`retention.bytes=${bytes} deletes the oldest records past that size per partition`);
  return found;
}

function age(ms: number): string {
  const [n, unit] = ms >= 86_400_000 ? [ms / 86_400_000, 'day'] : [ms / 3_600_000, 'hour'];
  const rounded = Number(n.toFixed(1));
  return `${rounded} ${unit}${rounded === 1 ? '' : 's'}`;
}
