/**
 * Property test of the Maximo sink under faults (README "Connectors": a CREATE looks before it
 * posts and waits for a save that may have taken; every write carries a transaction id; a note is
 * found by its bridge ref): seeded, shrinking scripts of commands (test/support/property-sink/)
 * delivered as the sink runner delivers them, a ticket's one after another, each retried while its
 * error is retriable, against a simulator failing calls before or after doing the write. What was
 * delivered took effect exactly once, what was not is a typed error for the dead-letter topic, and
 * nothing took effect twice. PROPERTY_SEED and PROPERTY_RUNS (a multiplier) explore further.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import type { WorkOrderCommand } from '../../../src/domain/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { check } from '../../support/property/check.ts';
import { commandScript, commandsOf, type CommandScript } from '../../support/property-sink/commands.ts';

const SEED = Number(process.env['PROPERTY_SEED'] ?? 311_2026);
const SCALE = Number(process.env['PROPERTY_RUNS'] ?? 1);
const TIMEOUT_MS = 150;
const TRIES = 25;

type Outcome = { readonly command: WorkOrderCommand; readonly delivered: boolean; readonly code: string | null };

async function play(s: CommandScript): Promise<void> {
  const faults = { ...s.faults, lateAnswerMs: TIMEOUT_MS + 100 };
  const sim = new MaximoSimulator({ apiKey: 'key', seed: s.seed, faults });
  const url = await sim.start();
  try {
    const config = parseConnectorConfig('maximo', maximo.config, {
      baseUrl: url,
      jurisdiction: 'testville',
      departments: { transportation: 'DOT' },
      timeoutMs: TIMEOUT_MS,
    });
    const ctx = { logger: createLogger({ level: 'silent' }), env: { MAXIMO_API_KEY: 'key' }, clock: Date.now };
    const sink = maximo.sink?.(config, ctx);
    if (!sink) throw new Error('no sink');
    const outcomes: Outcome[] = [];
    // Tickets side by side, each one's commands in order, as a partition's are.
    await Promise.all(
      commandsOf(s, 'transportation', 'maximo').map(async (commands) => {
        for (const command of commands) outcomes.push(await deliver(sink, command));
      }),
    );
    sim.server.setFaults({});
    judge(sim, outcomes);
  } finally {
    await sim.stop();
  }
}

/** Delivered, or the error it would be dead-lettered with: a retriable one is tried again. */
async function deliver(
  sink: { deliver(c: WorkOrderCommand): Promise<void> },
  command: WorkOrderCommand,
): Promise<Outcome> {
  let last: CloseloopError | null = null;
  for (let tries = 0; tries < TRIES; tries += 1) {
    try {
      await sink.deliver(command);
      return { command, delivered: true, code: null };
    } catch (e) {
      check(e instanceof CloseloopError, `${command.kind} failed with an untyped error`, String(e));
      last = e;
      if (!e.retriable) break;
    }
  }
  check(last !== null && !last.retriable, `${command.kind} still failing after ${TRIES} tries`, last?.message);
  return { command, delivered: false, code: last.code };
}

function judge(sim: MaximoSimulator, outcomes: readonly Outcome[]): void {
  for (const ref of new Set(outcomes.map((o) => o.command.workOrderId))) {
    const mine = outcomes.filter((o) => o.command.workOrderId === ref);
    const made = [...sim.workOrders.values()].filter((w) => w.externalrefid === ref);
    // No save here is slower than the client's time-out, so not even a second work order that
    // the sink would refuse to act on (CL_CONNECTOR_DUPLICATE_WORK_ORDER) may come of a retry.
    const created = mine.find((o) => o.command.kind === 'CREATE')?.delivered === true;
    check(created ? made.length === 1 : made.length <= 1, `${ref}: ${made.length} work orders made`, brief(mine));
    const wo = made[0];
    if (!created || !wo) continue;
    const entries = wo.worklog.map((l) => l.description_longdescription ?? l.description);
    for (const o of mine.filter((m) => m.command.kind === 'ADD_NOTE')) {
      const times = entries.filter((e) => e.includes(o.command.note ?? '')).length;
      check(o.delivered ? times === 1 : times <= 1, `${ref}: a note on the work order ${times} times`, brief(mine));
    }
    const reviews = mine.filter((m) => m.command.kind === 'REVIEW');
    const reviewed = entries.filter((e) => e.includes('Please review the work.')).length;
    const deliveredReviews = reviews.filter((r) => r.delivered).length;
    check(
      reviewed >= deliveredReviews && reviewed <= reviews.length,
      `${ref}: ${reviewed} review requests`,
      brief(mine),
    );
    const cancelled = mine.some((m) => m.command.kind === 'CANCEL' && m.delivered);
    check((wo.status === 'CAN') === cancelled, `${ref}: status ${wo.status}`, brief(mine));
    // The last priority delivered before a cancel was delivered is the work order's.
    const cut = mine.findIndex((m) => m.command.kind === 'CANCEL' && m.delivered);
    const set = (cut === -1 ? mine : mine.slice(0, cut)).filter(
      (m) => m.command.kind === 'UPDATE_PRIORITY' && m.delivered,
    );
    const last = set.at(-1);
    if (last) check(wo.wopriority === last.command.priority, `${ref}: priority ${wo.wopriority}`, brief(mine));
  }
}

const brief = (os: readonly Outcome[]) => os.map((o) => `${o.command.kind}:${o.delivered ? 'ok' : o.code}`);

describe('Maximo sink properties', () => {
  it(
    'delivers each command once in effect under faults, or fails it typed for the dead-letter topic',
    { timeout: 180_000 * Math.max(1, SCALE) },
    async () => {
      await fc.assert(
        fc.asyncProperty(commandScript, (s) => play(s)),
        { seed: SEED, numRuns: Math.max(1, Math.round(25 * SCALE)) },
      );
    },
  );
});
