import { afterEach, describe, expect, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, seededRandom } from '../../../src/sdk/index.ts';

// The night New York's clocks go back, as a seeded run of new work orders, status changes and
// polls at random moments from 00:00 to 05:00 local, each poll a restart from the stored cursor.
// A version of a work order that was there at a poll must be published, and published once: with
// the connector's timeZone the feed reads the repeated hour as it comes, whichever offset Maximo
// answers it at (see clocks-back.ts).

const sims: MaximoSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.stop();
});

const STATUSES = ['APPR', 'INPRG', 'WSCH', 'WMATL'];

async function night(seed: number, repeatedHourAt: 'later' | 'earlier') {
  const random = seededRandom(seed);
  let now = Date.parse('2026-11-01T04:00:00Z') + Math.floor(random() * 3_600_000);
  const sim = new MaximoSimulator({ apiKey: 'key', clock: () => now, serverZone: 'America/New_York', repeatedHourAt });
  sims.push(sim);
  const url = await sim.start();
  const pageSize = [1, 2, 3, 100][Math.floor(random() * 4)] ?? 2;
  const config = parseConnectorConfig('maximo', maximo.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    departments: { transportation: 'DOT' },
    pageSize,
    timeZone: 'America/New_York',
  });
  const logger = createLogger({ level: 'silent' });
  const source = maximo.source?.(config, { logger, env: { MAXIMO_API_KEY: 'key' }, clock: () => now });
  if (!source) throw new Error('maximo has no source');
  let cursor: string | null = null;
  const there = new Set<string>();
  const published: string[] = [];
  const warnings: string[] = [];
  const poll = async () => {
    for (const wo of sim.workOrders.values()) there.add(`${wo.workorderid}:${wo._rowstamp}`);
    const batch = await source.poll(cursor);
    cursor = batch.cursor;
    warnings.push(...(batch.warnings ?? []).map((w) => w.code));
    published.push(...batch.records.map((r) => r.value.envelope.eventId.split(':').slice(-1)[0] ?? ''));
  };
  let n = 0;
  while (now < Date.parse('2026-11-01T09:00:00Z')) {
    now += 1000 + Math.floor(random() * (random() < 0.1 ? 30 : 5) * 60_000);
    const move = random();
    if (move < 0.3 || n === 0) {
      n += 1;
      sim.addWorkOrder({ siteid: 'DOT', origrecordid: `T-${n}`, origrecordclass: 'SR', externalrefid: `T-${n}#1` }, []);
    } else if (move < 0.6) {
      const ref = `T-${1 + Math.floor(random() * n)}#1`;
      const status = STATUSES[Math.floor(random() * STATUSES.length)] ?? 'APPR';
      try {
        sim.changeStatus(ref, status);
      } catch {
        // Maximo's status rules refuse some moves (a repeated status, INPRG back to APPR).
      }
    } else await poll();
  }
  for (const minutes of [10, 30, 90]) {
    now += minutes * 60_000;
    await poll();
  }
  const rowstamps = new Map([...there].map((v) => [v.split(':')[1] ?? '', v]));
  return {
    missed: [...rowstamps.keys()].filter((r) => !published.includes(r)).map((r) => rowstamps.get(r)),
    twice: published.filter((r, i) => published.indexOf(r) !== i),
    warnings,
  };
}

describe.each(['later', 'earlier'] as const)(
  'maximo feed with its timeZone, the night clocks go back, repeated local times at the %s offset',
  (repeated) => {
    it.each([1, 2, 3, 4, 5, 6, 7, 8])('publishes every version there at a poll once (seed %i)', async (seed) => {
      const run = await night(seed, repeated);
      expect(run.missed).toEqual([]);
      expect(run.twice).toEqual([]);
      expect(run.warnings).toEqual([]);
    });
  },
);
