import { describe, expect, it } from 'vitest';
import { PosseSimulator } from '../../../connectors/posse/simulator.ts';
import { createPosseJob } from '../../support/posse-jobs.ts';

class Sim extends PosseSimulator {
  url = '';
}

const job = (sim: Sim, n: number) => createPosseJob(sim.url, n, { serviceCode: 'X' });

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

/** The simulator's clock where a test steers it. */
const T0 = 1_730_000_000_000;

const feedOf = async (sim: Sim, since: number, limit = 100) =>
  (await (await fetch(`${sim.url}/posse/api/changes?since=${since}&limit=${limit}`)).json()) as {
    changes: { seq: number; outcome: string }[];
    watermark: number;
  };

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

  it('numbers changes from a sequence that skips seqs that never appear (sequenceGapRate)', async () => {
    const sim = await started({ seed: 6, behaviour: { sequenceGapRate: 0.3 } });
    for (let n = 0; n < 10; n += 1) await job(sim, n);
    while (sim.tick() > 0);
    const seqs = sim.changes.map((c) => c.seq);
    const steps = seqs.map((seq, i) => seq - (seqs[i - 1] ?? 0));
    // A gap skips 1 to 3 seqs before a change; none are taken twice or go backwards.
    expect(steps.every((d) => d >= 1 && d <= 4)).toBe(true);
    expect(steps.filter((d) => d > 1).length).toBeGreaterThan(2);
    // Read page by page from the start, and from a seq in a gap, the feed gives every change once.
    const read: number[] = [];
    let since = 0;
    for (;;) {
      const page = await feedOf(sim, since, 7);
      read.push(...page.changes.map((c) => c.seq));
      if (page.changes.length === 0) break;
      since = page.watermark;
    }
    expect(read).toEqual(seqs);
    const gap = seqs.findIndex((seq, i) => seq - (seqs[i - 1] ?? 0) > 1);
    const inGap = (seqs[gap] ?? 0) - 1;
    expect((await feedOf(sim, inGap, 2)).changes.map((c) => c.seq)).toEqual(seqs.slice(gap, gap + 2));
    await sim.stop();
  });

  it('shows a change committed late only once its lag has passed, and by its own seq', async () => {
    let now = T0;
    const sim = await started({ clock: () => now, behaviour: { lateCommitRate: 1 } });
    await job(sim, 1);
    sim.tick();
    // Saved and numbered, but not in the feed, nor its seq in the watermark of an empty page.
    expect(sim.changes.map((c) => c.seq)).toEqual([1]);
    expect(await feedOf(sim, 0)).toEqual({ changes: [], watermark: 0 });
    expect(await feedOf(sim, 1)).toEqual({ changes: [], watermark: 0 });
    now = T0 + 9_999;
    expect((await feedOf(sim, 0)).changes).toEqual([]);
    now = T0 + 10_000;
    expect(await feedOf(sim, 0)).toMatchObject({ changes: [{ seq: 1, outcome: 'RECEIVED' }], watermark: 1 });
    await sim.stop();
  });

  it('commits a seeded share of changes late: later changes show first, and a job shows its own in the order saved', async () => {
    let now = T0;
    const sim = await started({ seed: 2, clock: () => now, behaviour: { lateCommitRate: 0.3, commitLagMs: 5_000 } });
    for (let n = 0; n < 6; n += 1) await job(sim, n);
    const shownAt = new Map<number, number>();
    let overtaken = 0;
    for (let step = 0; step < 20; step += 1) {
      sim.tick();
      const seqs = (await feedOf(sim, 0, 1000)).changes.map((c) => c.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      for (const seq of seqs) if (!shownAt.has(seq)) shownAt.set(seq, now);
      if (sim.changes.some((c) => !seqs.includes(c.seq) && seqs.some((s) => s > c.seq))) overtaken += 1;
      now += 1_000;
    }
    now += 5_000;
    expect((await feedOf(sim, 0, 1000)).changes.map((c) => c.seq)).toEqual(sim.changes.map((c) => c.seq));
    expect(overtaken).toBeGreaterThan(0);
    // Shown when saved or once the lag has passed, never in between, but never before the job's
    // change saved before it: the next save waits on the row lock the uncommitted one holds.
    const jobShown = new Map<string, number>();
    let late = 0;
    for (const c of sim.changes) {
      const after = jobShown.get(c.jobId) ?? 0;
      const at = shownAt.get(c.seq);
      expect([Math.max(c.at, after), Math.max(c.at + 5_000, after)]).toContain(at);
      if (at === c.at + 5_000 && after < at) late += 1;
      jobShown.set(c.jobId, at ?? 0);
    }
    expect(late).toBeGreaterThan(2);
    await sim.stop();
  });

  it('restores its feed to a seq in a gap: the changes after it go, and the sequence goes on after it', async () => {
    const sim = await started({ seed: 6, behaviour: { sequenceGapRate: 0.3 } });
    for (let n = 0; n < 10; n += 1) await job(sim, n);
    while (sim.tick() > 0);
    const seqs = sim.changes.map((c) => c.seq);
    const gap = seqs.findIndex((seq, i) => i > 3 && seq - (seqs[i - 1] ?? 0) > 1);
    const kept = seqs.slice(0, gap);
    const inGap = (seqs[gap] ?? 0) - 1;
    expect(kept.at(-1)).toBeLessThan(inGap);
    sim.restoreFeed(inGap);
    expect(sim.changes.map((c) => c.seq)).toEqual(kept);
    // An empty page after it answers the highest seq the feed still holds.
    expect(await feedOf(sim, inGap + 5)).toEqual({ changes: [], watermark: kept.at(-1) });
    sim.replan('T-1#1', ['COMPLIED', 'COMPLIED', 'COMPLIED', 'COMPLIED']);
    for (let i = 0; i < 4; i += 1) sim.tick();
    const next = sim.changes.slice(kept.length).map((c) => c.seq);
    expect(next).toHaveLength(4);
    // From inGap + 1 on, with the sequence's own gaps between.
    expect(next[0]).toBeGreaterThan(inGap);
    expect(next[0]).toBeLessThanOrEqual(inGap + 4);
    expect((await feedOf(sim, kept.at(-1) ?? 0)).changes.map((c) => c.seq)).toEqual(next);
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
