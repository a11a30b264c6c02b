import { describe, expect, it } from 'vitest';
import { PosseSimulator } from '../../../connectors/posse/simulator.ts';

class Sim extends PosseSimulator {
  url = '';
}

const job = (sim: Sim, n: number) =>
  fetch(`${sim.url}/posse/api/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      externalRef: `T-${n}#1`,
      ticketId: `T-${n}`,
      department: 'housing',
      serviceCode: 'X',
      description: null,
      priority: 3,
    }),
  });

async function started(behaviour: ConstructorParameters<typeof PosseSimulator>[0]): Promise<Sim> {
  const sim = new Sim(behaviour);
  sim.url = await sim.start();
  return sim;
}

describe('POSSE-like simulator', () => {
  it('creates one job per external reference, however often the command comes', async () => {
    const sim = await started({});
    expect((await job(sim, 1)).status).toBe(201);
    expect((await job(sim, 1)).status).toBe(200);
    expect(sim.jobs.size).toBe(1);
    await sim.stop();
  });

  it('moves jobs through the department behaviour: assign, schedule, hold, complete, withdraw, not ours', async () => {
    const sim = await started({
      seed: 3,
      behaviour: { notOursRate: 0.2, closeOnAssignRate: 0.3, holdRate: 0.5, cancelRate: 0.2 },
    });
    for (let n = 0; n < 40; n += 1) await job(sim, n);
    while (sim.tick() > 0);
    const outcomes = new Set(sim.changes.map((c) => c.outcome));
    for (const o of ['INTAKE_ACCEPTED', 'INSPECTION_SCHEDULED', 'WITHDRAWN', 'NOT_OURS', 'ASSIGNED_CLOSED'])
      expect(outcomes).toContain(o);
    expect([...outcomes].some((o) => o.startsWith('HOLD_'))).toBe(true);
    // A job closed at assignment is closed in POSSE while its work goes on: the premature close.
    const early = sim.changes.find((c) => c.outcome === 'ASSIGNED_CLOSED');
    expect(early?.jobStatus).toBe('Closed');
    expect(sim.changes.filter((c) => c.jobId === early?.jobId).at(-1)?.jobStatus).toBe('Closed');
    expect([...sim.jobs.values()].every((j) => j.done)).toBe(true);
    await sim.stop();
  });

  it('pages the change feed by watermark', async () => {
    const sim = await started({});
    for (let n = 0; n < 3; n += 1) await job(sim, n);
    sim.tick();
    sim.tick();
    const page = (await (await fetch(`${sim.url}/posse/api/changes?since=2&limit=3`)).json()) as {
      changes: { seq: number }[];
      watermark: number;
    };
    expect(page.changes.map((c) => c.seq)).toEqual([3, 4, 5]);
    expect(page.watermark).toBe(5);
    await sim.stop();
  });
});
