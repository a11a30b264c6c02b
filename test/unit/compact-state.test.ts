import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { beforeAll, describe, expect, it } from 'vitest';
import { decide, hasRecentEvent, recentEventIdsOf, recentEventList, type TicketState } from '../../src/domain/index.ts';
import { eventDigest, UNKNOWN_DIGEST } from '../../src/domain/event-digest.ts';
import { recentEventDigest, withRecentEvent } from '../../src/domain/recent-events.ts';
import { compactState, stateFromRecord, stateToRecord } from '../../src/processor/index.ts';
import { CANONICAL } from '../../src/topics/index.ts';
import { Bridge, crm, dept, slaTestPolicy } from '../support/domain.ts';

const stateType = avro.Type.forSchema(
  JSON.parse(readFileSync(`schemas/${CANONICAL.state}.avsc`, 'utf8')) as avro.Schema,
);
const changelog = (t: TicketState) => stateType.toBuffer(stateToRecord(t));

describe('the compact in-memory state', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = new Bridge(await slaTestPolicy());
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE', description: 'deep pothole' }));
    bridge.send(crm('Q', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE', duplicateOf: 'P' }));
    bridge.send(dept('P', 'P#1', 'maximo', 'WSCH', 2, { expectedAt: 1_800_000_000_000 }));
    bridge.now += 3_600_000;
    bridge.send(dept('P', 'P#1', 'maximo', 'WAPPR', 3, { note: 'waiting on parts' }));
  });

  it('holds the same values and writes the same changelog bytes, decided or restored', () => {
    for (const id of ['P', 'Q', 'D']) {
      const state = bridge.ticket(id);
      const restored = stateFromRecord(stateType.fromBuffer(changelog(state)) as Record<string, unknown>);
      for (const t of [state, restored]) {
        const compact = compactState(t);
        expect(compact).toEqual(state);
        expect(changelog(compact).equals(changelog(state))).toBe(true);
      }
    }
  });

  it('keeps when each work order was last heard of through the changelog, and none for one never heard of', () => {
    const p = bridge.ticket('P');
    const two = {
      ...p,
      workOrders: [
        ...p.workOrders.map((w) => ({ ...w, workOrderId: 'WO 7/ü#1', seenAt: 1_234 })),
        ...p.workOrders.map((w) => ({ ...w, workOrderId: 'WO-8', seenAt: null })),
      ],
    };
    const restored = stateFromRecord(stateType.fromBuffer(changelog(two)) as Record<string, unknown>);
    expect(restored.workOrders.map((w) => [w.workOrderId, w.seenAt])).toEqual([
      ['WO 7/ü#1', 1_234],
      ['WO-8', null],
    ]);
    expect(p.workOrders.map((w) => w.seenAt)).toEqual([bridge.now]);
  });

  it('writes the same changelog bytes as the record built with spreads did', () => {
    // The codec before it listed fields one by one (see stateToRecord), kept as the reference.
    const finite = (n: number) => (Number.isFinite(n) ? n : null);
    const spread = (t: TicketState) => ({
      ...t,
      crmPosition: finite(t.crmPosition),
      workOrders: t.workOrders.map(({ seenAt: _, ...w }) => ({ ...w, lastPosition: finite(w.lastPosition) })),
      recentEventIds: recentEventList(t.recentEventIds).ids,
      recentEventDigests: recentEventList(t.recentEventIds).digests,
      watch: t.watch && {
        ...t.watch,
        workOrderSeenAt: Object.fromEntries(
          t.workOrders.flatMap((w) => (w.seenAt === null ? [] : [[w.workOrderId, w.seenAt]])),
        ),
      },
    });
    const p = bridge.ticket('P');
    const [w] = p.workOrders;
    if (!w) throw new Error('P has a work order');
    const odd: TicketState = {
      ...p,
      crmPosition: Number.NEGATIVE_INFINITY,
      workOrders: [
        { ...w, workOrderId: '__proto__', seenAt: 5, lastPosition: Number.NEGATIVE_INFINITY },
        { ...w, workOrderId: 'WO-2', seenAt: null },
        { ...w, workOrderId: 'WO-3', seenAt: 7 },
        { ...w, workOrderId: '10', seenAt: 10 },
        { ...w, workOrderId: '2', seenAt: 2 },
      ],
    };
    const { channel: _, ...noChannel } = p;
    for (const t of [p, bridge.ticket('Q'), bridge.ticket('D'), odd, { ...odd, watch: null }, noChannel]) {
      expect(changelog(t).equals(stateType.toBuffer(spread(t)))).toBe(true);
    }
    const { watch } = stateToRecord(odd) as { watch: { workOrderSeenAt: object } };
    expect(Object.entries(watch.workOrderSeenAt)).toEqual([
      ['2', 2],
      ['10', 10],
      ['__proto__', 5],
      ['WO-3', 7],
    ]);
  });

  it('decides on a compact state exactly as on the original', () => {
    const event = dept('P', 'P#1', 'maximo', 'COMP', 4, { note: 'patched' });
    const ctx = { policy: bridge.policy, now: bridge.now + 60_000 };
    expect(decide(compactState(bridge.ticket('P')), event, ctx)).toEqual(decide(bridge.ticket('P'), event, ctx));
  });

  it('shares empty lists and one-department lists between tickets, frozen', () => {
    const [p, q] = [compactState(bridge.ticket('P')), compactState(bridge.ticket('Q'))];
    expect(p.notes).toBe(q.children);
    expect(Object.isFrozen(p.notes)).toBe(true);
    expect(p.departmentsTried).toEqual(q.departmentsTried);
    expect(p.departmentsTried).toBe(q.departmentsTried);
    expect(() => (p.departmentsTried as string[]).push('x')).toThrow(TypeError);
  });
});

describe('recent event ids held as one string', () => {
  const awkward = ['', '3:abc', '12', 'ünïcødé', 'a:b:c', '0:'];

  it('reads back every id exactly, whatever characters it holds', () => {
    const ids = recentEventIdsOf(awkward);
    expect(recentEventList(ids)).toEqual({ ids: awkward, digests: awkward.map(() => UNKNOWN_DIGEST) });
    for (const id of awkward) expect(hasRecentEvent(ids, id)).toBe(true);
    for (const id of ['3', 'abc', '3:ab', 'a:b', '0', 'x']) expect(hasRecentEvent(ids, id)).toBe(false);
  });

  it('keeps the newest ones, oldest first', () => {
    let ids = recentEventIdsOf([]);
    for (const id of ['a', 'b', 'c', 'd']) ids = withRecentEvent(ids, id, `${id}:${id}${id}`, 3);
    expect(recentEventList(ids)).toEqual({ ids: ['b', 'c', 'd'], digests: ['b:bb', 'c:cc', 'd:dd'] });
    expect(hasRecentEvent(ids, 'a')).toBe(false);
    expect(recentEventDigest(ids, 'c')).toBe('c:cc');
    expect(withRecentEvent(ids, 'e', 'eeee', 0)).toBe('');
  });

  it('adds and looks up in place as a list would, for ids of any length and any limit', () => {
    // Seeded, so a failure reproduces; ids of 0 to 120 characters give one- to three-digit
    // length prefixes, and digits and colons inside ids look like prefixes.
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const alphabet = ['a', '1', '0', ':', 'ü', '9', 'z'];
    const anId = () => {
      const length = [0, 1, 9, 10, 11, 99, 100, 120][Math.floor(random() * 8)] ?? 1;
      return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    };
    for (const max of [1, 2, 5, 256]) {
      let ids = recentEventIdsOf([]);
      let list: string[] = [];
      let digests: string[] = [];
      for (let i = 0; i < 400; i += 1) {
        const id = anId();
        // Digests of digits and colons, which look like the next entry's length prefix.
        const digest = eventDigest({ id, i }).replace(/[A-M]/g, ':').replace(/[N-Z]/g, '7');
        ids = withRecentEvent(ids, id, digest, max);
        list = [...list, id].slice(-max);
        digests = [...digests, digest].slice(-max);
        expect(recentEventList(ids)).toEqual({ ids: list, digests });
        expect(ids).toBe(recentEventIdsOf(list, digests));
        const probe = random() < 0.5 ? (list[Math.floor(random() * list.length)] ?? '') : anId();
        expect(hasRecentEvent(ids, probe)).toBe(list.includes(probe));
        // An id that came twice answers with its first entry's digest (decide never adds an id it holds).
        if (list.includes(probe)) expect(recentEventDigest(ids, probe)).toBe(digests[list.indexOf(probe)]);
      }
    }
  });

  it('cuts at the limit however short the entries, down to ids of no characters', () => {
    // An empty id makes the shortest entry there is: the list's length alone must not let an
    // entry past the limit.
    for (const max of [1, 2, 3, 4, 7]) {
      let ids = recentEventIdsOf([]);
      for (let i = 0; i < 3 * max; i += 1) {
        ids = withRecentEvent(ids, '', `${i % 10}${i % 10}${i % 10}${i % 10}`, max);
        expect(recentEventList(ids).ids.length, `max ${max} after ${i + 1}`).toBe(Math.min(i + 1, max));
      }
    }
  });

  it('cuts a list longer than the limit down to the newest', () => {
    const ids = recentEventIdsOf(['a', 'bb', 'ccc', 'dddd']);
    expect(recentEventList(withRecentEvent(ids, 'e', 'EEEE', 2)).ids).toEqual(['dddd', 'e']);
  });
});
