import { afterEach, describe, expect, it } from 'vitest';
import { CrmSimulator, type Change } from '../../../connectors/crm-rest/simulator.ts';

let sim: CrmSimulator | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

async function start(): Promise<{ sim: CrmSimulator; url: string }> {
  sim = new CrmSimulator();
  return { sim, url: await sim.start() };
}

const send = (url: string, method: string, body?: unknown) =>
  fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const update = (version: number) => ({
  version,
  status: 'open',
  lifecycleState: 'ASSIGNED',
  publicStatusCode: 'ASSIGNED',
  statusNote: 'Assigned.',
  expectedAt: null,
  closureReason: null,
  closureNote: null,
  duplicateOf: null,
  followUpOf: null,
  agency: 'housing',
  priority: 3,
});

const ticketView = async (url: string, id: string) =>
  (await (await fetch(`${url}/api/v1/tickets/${id}`)).json()) as Record<string, unknown>;

const feed = async (url: string, after = 0) =>
  (await (await fetch(`${url}/api/v1/referrals/changes?after=${after}`)).json()) as {
    changes: Change[];
    nextCursor: number;
  };

describe('CRM simulator: what reconciliation has to find', () => {
  it("lets an agent close a ticket by hand: closed, the bridge's version unchanged, an agent change in the feed", async () => {
    const { sim, url } = await start();
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    await send(`${url}/api/v1/tickets/${t.id}/status`, 'PUT', update(1));
    const res = await send(`${url}/agent/tickets/${t.id}/close`, 'POST', { note: 'Caller says it is fixed.' });
    expect(res.status).toBe(200);
    expect(await ticketView(url, t.id)).toMatchObject({
      status: 'closed',
      statusVersion: 1,
      lifecycleState: 'ASSIGNED',
      closureReason: null,
    });
    expect((await feed(url)).changes.at(-1)).toMatchObject({
      ticketId: t.id,
      kind: 'UPDATED',
      actor: 'agent',
      note: 'Caller says it is fixed.',
    });
    sim.closeByHand(sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id, 'Duplicate call.', 'DUPLICATE');
    expect(sim.changes.at(-1)).toMatchObject({ actor: 'agent', closureReason: 'DUPLICATE' });
  });

  it('restores an older backup: versions go back, later tickets are gone, the feed and ids go on', async () => {
    const { sim, url } = await start();
    const a = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    await send(`${url}/api/v1/tickets/${a.id}/status`, 'PUT', update(1));
    const backup = (await (await send(`${url}/_sim/backups`, 'POST')).json()) as { id: string; tickets: number };
    expect(backup.tickets).toBe(1);
    await send(`${url}/api/v1/tickets/${a.id}/status`, 'PUT', update(2));
    const b = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const changes = sim.changes.length;

    expect((await send(`${url}/_sim/backups/${backup.id}/restore`, 'POST')).status).toBe(200);
    expect(await ticketView(url, a.id)).toMatchObject({ statusVersion: 1 });
    expect((await fetch(`${url}/api/v1/tickets/${b.id}`)).status).toBe(404);
    expect(sim.changes).toHaveLength(changes);
    expect(sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id).not.toBe(b.id);
    // The restored CRM takes the next version after its own, as it would after a real restore.
    expect((await send(`${url}/api/v1/tickets/${a.id}/status`, 'PUT', update(2))).status).toBe(200);

    const direct = sim.snapshot();
    sim.closeByHand(a.id, 'closed');
    sim.restoreBackup(direct);
    expect(sim.tickets.get(a.id)?.status).toBe('open');
    expect((await send(`${url}/_sim/backups/backup-9/restore`, 'POST')).status).toBe(404);
  });

  it('restores a backup with its feed: the feed goes back, new changes take its seqs again, empty pages answer its end', async () => {
    const { sim, url } = await start();
    const feed = async (after: number) =>
      (await (await fetch(`${url}/api/v1/referrals/changes?after=${after}`)).json()) as {
        changes: Change[];
        nextCursor: number;
      };
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const backup = (await (await send(`${url}/_sim/backups`, 'POST')).json()) as { id: string };
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    expect(await feed(3)).toEqual({ changes: [], nextCursor: 3 });

    expect((await send(`${url}/_sim/backups/${backup.id}/restore?feed=true`, 'POST')).status).toBe(200);
    expect(sim.changes.map((c) => c.seq)).toEqual([1]);
    // Asked after a seq it no longer has, the feed answers where it ends.
    expect(await feed(3)).toEqual({ changes: [], nextCursor: 1 });
    const again = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    expect(again.id).toBe('SR-000004');
    expect(sim.changes.at(-1)).toMatchObject({ seq: 2, ticketId: again.id });
    expect(await feed(3)).toEqual({ changes: [], nextCursor: 2 });
    expect((await feed(1)).changes.map((c) => c.ticketId)).toEqual([again.id]);
  });

  it('deletes a ticket from the admin API: lookups answer 404', async () => {
    const { sim, url } = await start();
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    expect((await send(`${url}/_sim/tickets/${t.id}`, 'DELETE')).status).toBe(204);
    expect((await fetch(`${url}/api/v1/tickets/${t.id}`)).status).toBe(404);
  });

  it('pauses the feed: it answers, with nothing, and the cursor stays; resumed, nothing is lost', async () => {
    const { sim, url } = await start();
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    expect(await (await send(`${url}/_sim/feed`, 'PUT', { paused: true })).json()).toEqual({ paused: true });
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const silent = await fetch(`${url}/api/v1/referrals/changes?after=0`);
    expect(silent.status).toBe(200);
    expect(await silent.json()).toEqual({ changes: [], nextCursor: 0 });
    sim.setFeedPaused(false);
    expect((await feed(url)).changes.map((c) => c.seq)).toEqual([1, 2]);
  });
});
