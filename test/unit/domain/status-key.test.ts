import { describe, expect, it } from 'vitest';
import { legacyStatusKey, sameStatus, statusKey } from '../../../src/domain/status-key.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

const FIELDS = ['SCHEDULED', 'Scheduled for 30 Nov', 1_764_460_800_000, null, null, null, 'NORMAL', [1, 2, false]];

describe('the status key a ticket keeps', () => {
  it('is eleven characters of today, and an unchanged status is not sent again', async () => {
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('K', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('K', 'K#1', 'maximo', 'APPR', 2, { department: 'transportation' }));
    expect(bridge.ticket('K').lastStatusKey).toMatch(/^~[A-Za-z0-9_-]{10}$/);
    const sent = bridge.statusesOf('K').length;
    bridge.send(dept('K', 'K#1', 'maximo', 'APPR', 3, { department: 'transportation' }));
    expect(bridge.statusesOf('K')).toHaveLength(sent);
  });

  it('sends a status once when the kept key of before is of another status, then keeps the key of today', async () => {
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('K', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('K', 'K#1', 'maximo', 'APPR', 2, { department: 'transportation' }));
    const t = bridge.ticket('K');
    const sent = bridge.statusesOf('K').length;
    bridge.tickets.set('K', { ...t, lastStatusKey: 'AbCdEfGhIjKAbCdEfGhIjK' });
    bridge.send(dept('K', 'K#1', 'maximo', 'APPR', 3, { department: 'transportation' }));
    expect(bridge.statusesOf('K')).toHaveLength(sent + 1);
    expect(bridge.ticket('K').lastStatusKey).toBe(t.lastStatusKey);
    bridge.send(dept('K', 'K#1', 'maximo', 'APPR', 4, { department: 'transportation' }));
    expect(bridge.statusesOf('K')).toHaveLength(sent + 1);
  });

  // States keep the key: a key computed another way after an upgrade would send every ticket's
  // unchanged status again. Pinned from the keys states hold.
  it('is the key states already hold for the same fields', () => {
    expect(statusKey(FIELDS)).toBe('~MG1qalSzRk');
    expect(statusKey(['ROUTED', 'Sent to Housing — Ünïcode ✓', -5, 0.25, true, [[], ['x']]])).toBe('~yOpwz8b25V');
  });

  it('matches the keys states written before kept for the same status: 11 or 22 characters of SHA-256', () => {
    const key = statusKey(FIELDS);
    const legacy = legacyStatusKey(FIELDS);
    expect(legacy).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(sameStatus(FIELDS, key, legacy)).toBe(true);
    expect(sameStatus(FIELDS, key, `${legacy}AbCdEfGhIjK`)).toBe(true);
    const other = [...FIELDS.slice(0, 1), 'Scheduled for 1 Dec', ...FIELDS.slice(2)];
    expect(sameStatus(other, statusKey(other), legacy)).toBe(false);
    expect(sameStatus(other, statusKey(other), `${legacy}AbCdEfGhIjK`)).toBe(false);
    expect(sameStatus(FIELDS, key, legacy.slice(0, 10))).toBe(false);
  });

  it('compares keys of today by equality only', () => {
    const key = statusKey(FIELDS);
    expect(statusKey([...FIELDS])).toBe(key);
    expect(sameStatus(FIELDS, key, key)).toBe(true);
    expect(sameStatus(FIELDS, key, null)).toBe(false);
    expect(sameStatus(FIELDS, key, `${key.slice(0, 10)}x`)).toBe(false);
  });

  it('tells apart fields that one value, its type, or where a text is split makes different', () => {
    const variants: unknown[][] = [
      ['a', 'bc'],
      ['ab', 'c'],
      ['abc'],
      ['abc', null],
      ['abc', ''],
      [1],
      ['1'],
      [true],
      ['true'],
      [null],
      [[]],
      [[null]],
      [1.5],
      [-1],
      [2 ** 40],
      [2 ** 40 + 1],
      [[1, 2], 3],
      [[1], 2, 3],
    ];
    for (let i = 0; i < 3_000; i += 1)
      variants.push(['SCHEDULED', `note ${i}`, i, null, 'NORMAL', [i % 7, i % 2 === 0]]);
    const keys = new Set(variants.map((v) => statusKey(v)));
    expect(keys.size).toBe(variants.length);
  });
});
