/**
 * Property test of the Maximo feed's cursor (README "Connectors": the feed reads on by key, with
 * a look-back for changes that commit late or carry an app server's clock): seeded, shrinking
 * scripts of work orders changing at the simulator (test/support/property-maximo/script.ts),
 * polled by the real connector over HTTP. Within the look-back and clock-ahead bounds nothing may
 * be lost, read twice or read out of order: a ticket waits on its work order's last status, and a
 * status read twice or behind a later one is a change of state the department never made.
 * PROPERTY_SEED and PROPERTY_RUNS (a multiplier) explore further.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { NEXT_STATUS } from '../../../connectors/maximo/simulator-model.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type WorkOrderEvent } from '../../../src/sdk/index.ts';
import { check } from '../../support/property/check.ts';
import { script, type Script } from '../../support/property-maximo/script.ts';

const SEED = Number(process.env['PROPERTY_SEED'] ?? 311_2026);
const SCALE = Number(process.env['PROPERTY_RUNS'] ?? 1);

/** A Maximo of its own for each run, on a clock the run moves, and the connector's source for it. */
async function maximoAt({ site }: Script) {
  let now = site.start;
  const local = site.serverZone === null ? {} : { serverZone: site.serverZone, datesWithOffset: site.datesWithOffset };
  const sim = new MaximoSimulator({
    apiKey: 'key',
    clock: () => now,
    repeatedHourAt: site.repeatedHourAt,
    stablePaging: site.stablePaging,
    ...local,
  });
  const url = await sim.start();
  return {
    sim,
    clock: { tick: (ms: number) => (now += ms) },
    source(s: Script) {
      const config = parseConnectorConfig('maximo', maximo.config, {
        baseUrl: url,
        jurisdiction: 'testville',
        departments: { transportation: 'DOT' },
        pageSize: s.pageSize,
        maxPagesPerPoll: s.maxPagesPerPoll,
        // As the README asks of a server in a zone with daylight-saving time: without it, dates
        // without an offset name no instant, and the hour the clocks repeat is read with gaps.
        ...(site.serverZone === null ? {} : { timeZone: site.serverZone }),
      });
      const ctx = { logger: createLogger({ level: 'silent' }), env: { MAXIMO_API_KEY: 'key' }, clock: () => now };
      const made = maximo.source?.(config, ctx);
      if (!made) throw new Error('no source');
      return made;
    },
  };
}

async function play(s: Script): Promise<void> {
  const { sim, clock, source } = await maximoAt(s);
  try {
    const refs: string[] = [];
    const history = new Map<string, string[]>();
    const events: WorkOrderEvent[] = [];
    let cursor: string | null = null;
    let live = source(s);
    const poll = async (restart: boolean) => {
      if (restart) live = source(s);
      const batch = await live.poll(cursor);
      check((batch.rejected ?? []).length === 0, 'a well-formed change was dead-lettered', batch.rejected);
      events.push(...batch.records.map((r) => r.value));
      cursor = batch.cursor;
      return batch.records.length;
    };
    for (const step of s.steps) {
      switch (step.kind) {
        case 'add': {
          const ticket = `T-${refs.length + 1}`;
          sim.addWorkOrder(
            { siteid: 'DOT', origrecordid: ticket, origrecordclass: 'SR', externalrefid: `${ticket}#1` },
            [],
          );
          refs.push(`${ticket}#1`);
          history.set(`${ticket}#1`, ['WAPPR']);
          break;
        }
        case 'change': {
          const ref = refs[step.pick % Math.max(1, refs.length)];
          const next = NEXT_STATUS[(ref === undefined ? undefined : sim.find(ref))?.status ?? ''] ?? [];
          const to = next[step.to % Math.max(1, next.length)];
          if (ref === undefined || to === undefined) break;
          sim.changeStatus(ref, to);
          history.get(ref)?.push(to);
          break;
        }
        case 'tick':
          clock.tick(step.ms);
          break;
        case 'skew':
          sim.clockSkewMs = step.ms;
          break;
        case 'hold':
          sim.holdNextChanges(step.count);
          break;
        case 'commit':
          sim.commitHeld();
          break;
        case 'poll':
          await poll(step.restart);
      }
    }
    // Everything committed and the clocks agreed again: polls read to the end.
    sim.commitHeld();
    sim.clockSkewMs = 0;
    clock.tick(1_000);
    for (let i = 0; i < 500 && (await poll(i % 2 === 0)) > 0; i += 1);
    judge(refs, history, events);
  } finally {
    await sim.stop();
  }
}

function judge(refs: readonly string[], history: ReadonlyMap<string, string[]>, events: readonly WorkOrderEvent[]) {
  const ids = events.map((e) => e.envelope.eventId);
  check(new Set(ids).size === ids.length, 'a change read twice', ids);
  for (const ref of refs) {
    const mine = events.filter((e) => e.workOrderId === ref);
    const made = history.get(ref) ?? [];
    const read = mine.map((e) => e.rawStatus);
    // In the order Maximo made them, each at most once: a subsequence of the work order's statuses.
    let at = 0;
    for (const status of read) {
      while (at < made.length && made[at] !== status) at += 1;
      check(at < made.length, `work order ${ref}: statuses read out of order`, { made, read });
      at += 1;
    }
    check(read.at(-1) === made.at(-1), `work order ${ref}: its last status was not read`, { made, read });
    // Never behind the one before (the processor takes an event at the same instant, in the order
    // the feed published it, and ignores an earlier one as STALE_EVENT).
    const times = mine.map((e) => e.envelope.occurredAt);
    check(
      times.every((t, i) => i === 0 || t >= (times[i - 1] ?? Infinity)),
      `work order ${ref}: occurredAt goes back`,
      { read, times },
    );
  }
}

describe('Maximo feed properties', () => {
  it(
    'reads every work order to its last status, nothing twice or out of order, across restarts, late commits and skewed clocks',
    {
      timeout: 120_000 * Math.max(1, SCALE),
    },
    async () => {
      await fc.assert(
        fc.asyncProperty(script, (s) => play(s)),
        { seed: SEED, numRuns: Math.max(1, Math.round(60 * SCALE)) },
      );
    },
  );
});
