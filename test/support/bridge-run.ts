import { CrmSimulator } from '../../connectors/crm-rest/simulator.ts';
import { PosseSimulator, type DepartmentBehaviour } from '../../connectors/posse/simulator.ts';
import type { CloseloopConfig } from '../../src/config/index.ts';
import { deadLetterTopic, type Messaging } from '../../src/messaging/index.ts';
import { readCommittedRaw, testConfig, type TestConfigExtras } from './processor.ts';

export const TOKENS = { CRM_API_TOKEN: 'crm-token', POSSE_API_TOKEN: 'posse-token' };

/** A CRM and a POSSE-like department, simulated, and a worker config wired to both. */
export interface BridgeRun {
  readonly crm: CrmSimulator;
  readonly posse: PosseSimulator;
  readonly config: CloseloopConfig;
  readonly file: string;
  /** Departments work on their own, a step every interval, until stop(). */
  work(intervalMs?: number): void;
  /** All tickets closed in the CRM and all department work finished. */
  done(): boolean;
  stop(): Promise<void>;
}

export async function bridgeRun(
  options: {
    brokers?: string;
    behaviour?: Partial<DepartmentBehaviour>;
    config?: Pick<TestConfigExtras, 'sentinel' | 'roles' | 'reconcile'>;
  } = {},
): Promise<BridgeRun> {
  const crm = new CrmSimulator({ token: TOKENS.CRM_API_TOKEN });
  const posse = new PosseSimulator({
    token: TOKENS.POSSE_API_TOKEN,
    ...(options.behaviour ? { behaviour: options.behaviour } : {}),
  });
  const [crmUrl, posseUrl] = await Promise.all([crm.start(), posse.start()]);
  const { config, file } = await testConfig(3, 30, {
    ...options.config,
    ...(options.brokers ? { brokers: options.brokers } : {}),
    connectors: [
      { name: 'crm-rest', config: { baseUrl: crmUrl, jurisdiction: 'testville', timeoutMs: 2_000 } },
      {
        name: 'posse',
        config: { baseUrl: posseUrl, jurisdiction: 'testville', departments: ['housing'], timeoutMs: 2_000 },
      },
    ],
  });
  let timer: NodeJS.Timeout | null = null;
  return {
    crm,
    posse,
    config,
    file,
    work(intervalMs = 100) {
      timer = setInterval(() => posse.tick(), intervalMs);
    },
    done() {
      const jobsDone = posse.jobs.size > 0 && [...posse.jobs.values()].every((j) => j.done && j.plan.length === 0);
      return jobsDone && crm.tickets.size > 0 && [...crm.tickets.values()].every((t) => t.status === 'closed');
    },
    async stop() {
      if (timer) clearInterval(timer);
      await Promise.all([crm.stop(), posse.stop()]);
    },
  };
}

/**
 * What the CRM went through, per ticket: every version applied once, in order, none missing, and
 * the last one closed. Returns the problems found (none is the goal).
 */
export function crmHistoryProblems(crm: CrmSimulator): string[] {
  const problems: string[] = [];
  for (const t of crm.tickets.values()) {
    const versions = crm.applied.filter((a) => a.ticketId === t.id).map((a) => a.version);
    if (versions.join(',') !== versions.map((_, i) => i + 1).join(','))
      problems.push(`${t.id}: versions ${versions.join(',')}`);
    if (t.statusVersion !== versions.length)
      problems.push(`${t.id}: CRM at v${t.statusVersion} after ${versions.length} updates`);
  }
  return problems;
}

/**
 * What the CRM went through, for the fault suite's table: updates lost (a version gap, or a ticket
 * that never got its closing status) and updates applied twice. The simulator acknowledges a
 * repeated version without applying it, so a duplicate here would mean the bridge's own versions
 * were wrong; re-sends it acknowledged are counted apart, in `crm.repeatedUpdates`.
 */
export function crmTally(crm: CrmSimulator): { lost: number; duplicated: number } {
  let lost = 0;
  let duplicated = 0;
  for (const t of crm.tickets.values()) {
    const versions = crm.applied.filter((a) => a.ticketId === t.id).map((a) => a.version);
    const distinct = new Set(versions);
    duplicated += versions.length - distinct.size;
    lost += Math.max(0, ...versions) - distinct.size + (t.status === 'closed' ? 0 : 1);
  }
  return { lost, duplicated };
}

/** Dead letters of the CRM sink (none while the CRM is only unavailable). */
export async function statusDeadLetters(messaging: Messaging, config: CloseloopConfig): Promise<number> {
  const admin = messaging.admin();
  await admin.connect();
  const exists = (await admin.listTopics()).includes(deadLetterTopic(config.topics.status));
  await admin.disconnect();
  return exists ? (await readCommittedRaw(messaging, deadLetterTopic(config.topics.status))).length : 0;
}
