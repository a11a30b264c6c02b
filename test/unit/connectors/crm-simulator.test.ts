import { afterEach, describe, expect, it } from 'vitest';
import { CrmSimulator, type Change } from '../../../connectors/crm-rest/simulator.ts';
import { FaultInjector } from '../../../src/sdk/index.ts';

let sim: CrmSimulator | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

async function start(
  options: ConstructorParameters<typeof CrmSimulator>[0] = {},
): Promise<{ sim: CrmSimulator; url: string }> {
  sim = new CrmSimulator(options);
  return { sim, url: await sim.start() };
}

const put = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const update = (version: number, over: Record<string, unknown> = {}) => ({
  version,
  status: 'open',
  lifecycleState: 'ROUTED',
  publicStatusCode: 'ROUTED',
  statusNote: 'Sent to transportation.',
  expectedAt: null,
  closureReason: null,
  closureNote: null,
  duplicateOf: null,
  followUpOf: null,
  agency: 'transportation',
  priority: 3,
  ...over,
});

describe('CRM simulator', () => {
  it('keeps citizen contact data out of the referral feed and the integration API', async () => {
    const { sim, url } = await start();
    const t = sim.createTicket({
      serviceCode: 'SR-POTHOLE',
      description: 'deep hole',
      contact: { name: 'Ada Lovelace', email: 'ada@example.org', phone: '555-0100' },
    });
    const feed = (await (await fetch(`${url}/api/v1/referrals/changes?after=0`)).json()) as {
      changes: Change[];
      nextCursor: number;
    };
    expect(feed.changes.map((c) => [c.ticketId, c.kind, c.actor])).toEqual([[t.id, 'OPENED', 'agent']]);
    expect(feed.nextCursor).toBe(1);
    const asBridge = await (await fetch(`${url}/api/v1/tickets/${t.id}`)).text();
    for (const text of [JSON.stringify(feed), asBridge]) {
      expect(text).not.toContain('Ada');
      expect(text).not.toContain('ada@example.org');
      expect(text).not.toContain('555-0100');
    }
    const asAgent = (await (await fetch(`${url}/agent/tickets/${t.id}`)).json()) as { contact: { name: string } };
    expect(asAgent.contact.name).toBe('Ada Lovelace');
  });

  it('pages the feed by cursor without gaps or repeats', async () => {
    const { sim, url } = await start();
    for (let i = 0; i < 5; i += 1) sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const seen: number[] = [];
    let cursor = 0;
    for (;;) {
      const page = (await (await fetch(`${url}/api/v1/referrals/changes?after=${cursor}&limit=2`)).json()) as {
        changes: Change[];
        nextCursor: number;
      };
      if (page.changes.length === 0) break;
      seen.push(...page.changes.map((c) => c.seq));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('applies status versions in order, acknowledges repeats and refuses gaps', async () => {
    const { sim, url } = await start();
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const at = `${url}/api/v1/tickets/${t.id}/status`;
    expect(await (await put(at, update(1))).json()).toEqual({ applied: true, currentVersion: 1 });
    expect(await (await put(at, update(1))).json()).toEqual({ applied: false, currentVersion: 1 });
    expect((await put(at, update(3))).status).toBe(409);
    const closed = update(2, { status: 'closed', lifecycleState: 'RESOLVED', closureReason: 'WORK_COMPLETED' });
    expect((await put(at, closed)).status).toBe(200);
    expect(sim.applied.map((a) => [a.version, a.status])).toEqual([
      [1, 'open'],
      [2, 'closed'],
    ]);
    // The bridge's own writes show up in the feed as the integration's, so it can ignore the echo.
    expect(sim.changes.filter((c) => c.actor === 'integration')).toHaveLength(2);
  });

  it('declines updates to a ticket an agent holds open, answering the version it still holds', async () => {
    const { sim, url } = await start();
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const at = `${url}/api/v1/tickets/${t.id}/status`;
    expect((await fetch(`${url}/agent/tickets/${t.id}/lock`, { method: 'POST' })).status).toBe(200);
    expect(await (await put(at, update(1))).json()).toEqual({ applied: false, currentVersion: 0 });
    // A gap is refused as ever, lock or not.
    expect((await put(at, update(2))).status).toBe(409);
    expect(sim.declinedUpdates).toBe(1);
    expect(sim.applied).toEqual([]);
    expect((await fetch(`${url}/agent/tickets/${t.id}/lock`, { method: 'DELETE' })).status).toBe(200);
    expect(await (await put(at, update(1))).json()).toEqual({ applied: true, currentVersion: 1 });
    expect((await fetch(`${url}/agent/tickets/SR-nope/lock`, { method: 'POST' })).status).toBe(404);
  });

  it.each([
    ['conflict', 409],
    ['locked', 423],
  ] as const)(
    'answers an update a lock holds off %s (HTTP %i) with its Retry-After when so told',
    async (lockAnswer, status) => {
      const { sim, url } = await start({ lockAnswer, lockRetryAfterSeconds: 30 });
      const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
      const at = `${url}/api/v1/tickets/${t.id}/status`;
      sim.lockTicket(t.id);
      const answer = await put(at, update(1));
      expect(answer.status).toBe(status);
      expect(answer.headers.get('retry-after')).toBe('30');
      expect(((await answer.json()) as { error: string }).error).toContain('locked');
      expect(sim.declinedUpdates).toBe(1);
      sim.unlockTicket(t.id);
      expect(await (await put(at, update(1))).json()).toEqual({ applied: true, currentVersion: 1 });
    },
  );

  it('refuses a note longer than its noteLength with 422 naming the field, as a column refuses it', async () => {
    const { sim, url } = await start({ noteLength: 40 });
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const at = `${url}/api/v1/tickets/${t.id}/status`;
    const long = await put(at, update(1, { statusNote: 'x'.repeat(41) }));
    expect(long.status).toBe(422);
    expect(await long.json()).toEqual({ error: 'statusNote: at most 40 characters' });
    const closure = await put(at, update(1, { closureNote: 'y'.repeat(41) }));
    expect(await closure.json()).toEqual({ error: 'closureNote: at most 40 characters' });
    expect(sim.applied).toEqual([]);
    expect(await (await put(at, update(1, { statusNote: 'x'.repeat(40) }))).json()).toEqual({
      applied: true,
      currentVersion: 1,
    });
  });

  it('refuses invalid updates with every problem named', async () => {
    const { sim, url } = await start();
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const at = `${url}/api/v1/tickets/${t.id}/status`;
    const bad = await put(at, update(1, { status: 'closed', priority: 9 }));
    expect(bad.status).toBe(422);
    const body = (await bad.json()) as { issues: string[] };
    expect(body.issues.join(' ')).toMatch(/priority/);
    expect((await put(`${url}/api/v1/tickets/SR-nope/status`, update(1))).status).toBe(404);
  });

  it('requires the bearer token when one is configured', async () => {
    const { sim, url } = await start({ token: 's3cret' });
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    expect((await fetch(`${url}/api/v1/tickets/${t.id}`)).status).toBe(401);
    expect((await fetch(`${url}/api/v1/tickets/${t.id}`, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(
      200,
    );
  });

  it('refuses the old token once its administrators rotate it, and counts every call', async () => {
    const { sim, url } = await start({ token: 's3cret' });
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    const get = (token: string) =>
      fetch(`${url}/api/v1/tickets/${t.id}`, { headers: { authorization: `Bearer ${token}` } });
    sim.rotateToken('n3w');
    expect((await get('s3cret')).status).toBe(401);
    expect((await get('n3w')).status).toBe(200);
    expect(sim.server.calls.get('GET /api/v1/tickets/:id')).toBe(2);
  });

  it.each([
    [{ errorRate: 1 }, 500],
    [{ throttleRate: 1 }, 429],
    [{ outages: [{ from: 0, until: Number.MAX_SAFE_INTEGER }] }, 503],
  ])('injects %o as HTTP %i on the integration API only', async (faults, status) => {
    const { sim, url } = await start({ faults });
    const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    expect((await fetch(`${url}/api/v1/tickets/${t.id}`)).status).toBe(status);
    expect((await fetch(`${url}/agent/tickets/${t.id}`)).status).toBe(200);
  });

  it('injects malformed bodies and requests that never answer', async () => {
    const { url } = await start({ faults: { malformedRate: 1 } });
    const res = await fetch(`${url}/api/v1/referrals/changes`);
    await expect(res.json()).rejects.toThrow();
    await fetch(`${url}/_sim/faults`, { method: 'PUT', body: JSON.stringify({ timeoutRate: 1 }) });
    await expect(fetch(`${url}/api/v1/referrals/changes`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
  });

  it('refuses invalid fault settings and repeats a fault pattern for the same seed', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/_sim/faults`, { method: 'PUT', body: JSON.stringify({ errorRate: 2, bogus: 1 }) });
    expect(res.status).toBe(422);
    const pattern = (seed: number) => {
      const f = new FaultInjector({ errorRate: 0.3, throttleRate: 0.2 }, seed);
      return Array.from({ length: 50 }, () => f.next().kind).join(',');
    };
    expect(pattern(7)).toBe(pattern(7));
    expect(pattern(7)).not.toBe(pattern(8));
  });
});
