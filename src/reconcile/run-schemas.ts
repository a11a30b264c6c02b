import path from 'node:path';
import type { CloseloopConfig } from '../config/index.ts';
import { readSchemaFile, SHIPPED_SCHEMAS, subjectForTopic, type AvroSerde } from '../messaging/index.ts';
import { CANONICAL } from '../topics/index.ts';
import type { ReconcileReport } from './engine.ts';

/**
 * Registers the schemas a run writes with: its own topics' (they may be newer than the running
 * processor) and the CRM events' (a request to send above the CRM's version, CRM_AHEAD, carries a
 * field a schema registered before it lacks, and encoded with that one it would read as a
 * reopen). A registry that does not answer is waited out (registration.ts), but not past the
 * run's stop: false when its signal aborted meanwhile.
 */
export async function registerRunSchemas(
  config: CloseloopConfig,
  serde: AvroSerde,
  schemasDir: string | undefined,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  for (const name of ['drift', 'alerts', 'crmEvents'] as const) {
    const file = await readSchemaFile(path.join(schemasDir ?? SHIPPED_SCHEMAS, `${CANONICAL[name]}.avsc`));
    try {
      await serde.register(subjectForTopic(config.topics[name]), file.schema, { signal });
    } catch (err) {
      if (signal?.aborted) return false;
      throw err;
    }
  }
  return !signal?.aborted;
}

/** What a run told to stop before its first ticket reports: nothing checked, nothing written. */
export function stoppedBeforeStart(config: CloseloopConfig, started: number, ms: number): ReconcileReport {
  return {
    runId: `${config.jurisdiction}-${new Date(started).toISOString()}`,
    resumedAfter: null,
    checked: 0,
    settling: 0,
    changed: 0,
    unanswered: 0,
    outcomes: [],
    ms,
    stopped: true,
    stoppedBecause: 'stopped',
    driftAlerts: [],
    notChecked: null,
  };
}
