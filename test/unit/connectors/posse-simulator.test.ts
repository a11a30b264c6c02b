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

const note = (sim: Sim, n: number, text: string, key?: string) =>
  fetch(`${sim.url}/posse/api/jobs/T-${n}%231/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ note: text }),
  });

describe('POSSE-like simulator', () => {
  it('answers a repeated Idempotency-Key with the first answer and no second note, unless told to ignore it', async () => {
    const sim = await started({});
    await job(sim, 1);
    const first = await note(sim, 1, 'Gate is locked.', 'cmd-1');
    const again = await note(sim, 1, 'Gate is locked.', 'cmd-1');
    expect(again.status).toBe(first.status);
    expect(await again.json()).toEqual(await first.json());
    // Another key, or none, is another note.
    await note(sim, 1, 'Gate is locked.', 'cmd-2');
    await note(sim, 1, 'Gate is locked.');
    expect(sim.jobs.get('J-000001')?.notes).toEqual(['Gate is locked.', 'Gate is locked.', 'Gate is locked.']);
    await sim.stop();

    // A system that ignores the header, as some do: a repeat is a second note.
    const careless = await started({ honoursIdempotencyKey: false });
    await job(careless, 1);
    await note(careless, 1, 'Gate is locked.', 'cmd-1');
    await note(careless, 1, 'Gate is locked.', 'cmd-1');
    expect(careless.jobs.get('J-000001')?.notes).toHaveLength(2);
    await careless.stop();
  });

  it('commits a write and answers it late; a read is not held back', async () => {
    const sim = await started({ faults: { lateAnswerRate: 1, lateAnswerMs: 60_000 } });
    const created = job(sim, 1).catch(() => null);
    // The job exists while its creator still waits for the answer.
    for (let i = 0; i < 50 && sim.jobs.size === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(sim.jobs.size).toBe(1);
    expect((await fetch(`${sim.url}/posse/api/jobs/T-1%231`)).status).toBe(200);
    await sim.stop();
    expect(await created).toBeNull();
  });

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

  it('loses changes: the job moves on, the feed never hears of it, and no sequence number is skipped', async () => {
    const sim = await started({});
    await job(sim, 1);
    sim.tick();
    const res = await fetch(`${sim.url}/_sim/lose-changes`, { method: 'POST', body: JSON.stringify({ count: 1 }) });
    expect(await res.json()).toEqual({ pending: 1 });
    sim.tick();
    sim.tick();
    expect(sim.changes.map((c) => [c.seq, c.outcome])).toEqual([
      [1, 'RECEIVED'],
      [2, 'INSPECTOR_ASSIGNED'],
    ]);
    expect(sim.lost.map((l) => [l.externalRef, l.outcome])).toEqual([['T-1#1', 'INTAKE_ACCEPTED']]);
    const view = (await (await fetch(`${sim.url}/posse/api/jobs/T-1%231`)).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ lastProcess: { outcome: 'INSPECTOR_ASSIGNED' } });
    expect(view).not.toHaveProperty('plan');
    await sim.stop();
  });

  it('loses a seeded share of changes with loseChangeRate', async () => {
    const sim = await started({ seed: 5, behaviour: { loseChangeRate: 0.3 } });
    for (let n = 0; n < 10; n += 1) await job(sim, n);
    while (sim.tick() > 0);
    expect(sim.lost.length).toBeGreaterThan(0);
    expect(sim.changes.map((c) => c.seq)).toEqual(sim.changes.map((_, i) => i + 1));
    await sim.stop();
  });

  it('deletes a job: lookups answer 404, and job ids are not handed out twice', async () => {
    const sim = await started({});
    await job(sim, 1);
    await job(sim, 2);
    expect((await fetch(`${sim.url}/_sim/jobs/T-1%231`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${sim.url}/posse/api/jobs/T-1%231`)).status).toBe(404);
    sim.deleteJob('J-000002');
    expect((await fetch(`${sim.url}/posse/api/jobs/T-2%231`)).status).toBe(404);
    await job(sim, 3);
    expect([...sim.jobs.keys()]).toEqual(['J-000003']);
    await sim.stop();
  });

  it('restores its feed: new changes take its seqs again, and an empty page answers where it ends', async () => {
    const sim = await started({});
    const feed = async (since: number) =>
      (await (await fetch(`${sim.url}/posse/api/changes?since=${since}`)).json()) as {
        changes: { seq: number; ticketId: string }[];
        watermark: number;
      };
    await job(sim, 1);
    for (let i = 0; i < 3; i += 1) sim.tick();
    expect(await feed(3)).toEqual({ changes: [], watermark: 3 });
    sim.restoreFeed(1);
    expect(await feed(3)).toEqual({ changes: [], watermark: 1 });
    sim.tick();
    expect(await feed(1)).toMatchObject({ changes: [{ seq: 2, ticketId: 'T-1' }], watermark: 2 });
    expect(await feed(3)).toEqual({ changes: [], watermark: 2 });
    await sim.stop();
  });

  it('pauses the feed: it answers, with nothing, and the watermark stays; resumed, nothing is lost', async () => {
    const sim = await started({});
    await job(sim, 1);
    const paused = await fetch(`${sim.url}/_sim/feed`, { method: 'PUT', body: JSON.stringify({ paused: true }) });
    expect(await paused.json()).toEqual({ paused: true });
    sim.tick();
    const silent = await fetch(`${sim.url}/posse/api/changes?since=0`);
    expect(silent.status).toBe(200);
    expect(await silent.json()).toEqual({ changes: [], watermark: 0 });
    sim.setFeedPaused(false);
    const page = (await (await fetch(`${sim.url}/posse/api/changes?since=0`)).json()) as { changes: unknown[] };
    expect(page.changes).toHaveLength(1);
    await sim.stop();
  });
});
