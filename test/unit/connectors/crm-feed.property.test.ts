/**
 * Property test of the CRM feed's cursor (README "Connectors": read by seq, as POSSE's, waiting at
 * a hole for holeWaitSeconds): seeded, shrinking scripts of agents' work at the simulator
 * (test/support/property-crm/script.ts), polled by the real connector over HTTP. With every late
 * commit inside the hole wait, each change is read exactly once and a ticket's changes in the
 * order the CRM numbered them, whichever nextCursor the CRM answers and however often the source
 * starts again. PROPERTY_SEED and PROPERTY_RUNS (a multiplier) explore further.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { judgeOnceInOrder, poller, readToTheEnd } from '../../support/property-feeds/seq-feed-run.ts';
import { script, type Script } from '../../support/property-crm/script.ts';

const SEED = Number(process.env['PROPERTY_SEED'] ?? 311_2026);
const SCALE = Number(process.env['PROPERTY_RUNS'] ?? 1);

async function play(s: Script): Promise<void> {
  let now = 1_796_000_000_000;
  const { seed, ...shown } = s.crm;
  const sim = new CrmSimulator({ token: 'tok', seed, clock: () => now, ...shown });
  const url = await sim.start();
  try {
    const config = parseConnectorConfig('crm-rest', crmRest.config, {
      baseUrl: url,
      jurisdiction: 'testville',
      pageSize: s.pageSize,
    });
    const ctx = { logger: createLogger({ level: 'silent' }), env: { CRM_API_TOKEN: 'tok' }, clock: () => now };
    const p = poller(() => {
      const made = crmRest.source?.(config, ctx);
      if (!made) throw new Error('no source');
      return made;
    });
    const tickets: string[] = [];
    const pick = (n: number) => tickets[n % Math.max(1, tickets.length)];
    for (const step of s.steps) {
      const id = 'pick' in step ? pick(step.pick) : undefined;
      switch (step.kind) {
        case 'open':
          tickets.push(sim.createTicket({ serviceCode: 'POTHOLE' }).id);
          break;
        case 'close':
          if (id) sim.closeByHand(id, 'fixed by the crew');
          break;
        case 'cancel':
          if (id) sim.cancel(id, 'WITHDRAWN', null);
          break;
        case 'duplicate': {
          const of = pick(step.of);
          if (id && of && of !== id) sim.declareDuplicate(id, of);
          break;
        }
        case 'late':
          sim.commitLate(step.count);
          break;
        case 'tick':
          now += step.ms;
          break;
        case 'poll':
          await p.poll(step.restart);
      }
    }
    await readToTheEnd(p, (ms) => (now += ms), s.crm.commitLagMs);
    const expected = sim.changes.map((c) => `crm-rest:testville:${c.seq}`);
    judgeOnceInOrder(expected, p.events, (e) => `ticket ${e.ticketId}`);
  } finally {
    await sim.stop();
  }
}

describe('CRM feed properties', () => {
  it(
    "reads each change once and a ticket's in order, across late commits, either nextCursor, pages of one and restarts",
    { timeout: 120_000 * Math.max(1, SCALE) },
    async () => {
      await fc.assert(
        fc.asyncProperty(script, (s) => play(s)),
        { seed: SEED, numRuns: Math.max(1, Math.round(60 * SCALE)) },
      );
    },
  );
});
