import { describe, expect, it } from 'vitest';
import { sameStatusKey } from '../../../src/domain/publish.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

describe('the status key a ticket keeps', () => {
  it('is eleven characters, and an unchanged status is not sent again', async () => {
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('K', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('K', 'K#1', 'maximo', 'APPR', 2, { department: 'transportation' }));
    expect(bridge.ticket('K').lastStatusKey).toHaveLength(11);
    const sent = bridge.statusesOf('K').length;
    bridge.send(dept('K', 'K#1', 'maximo', 'APPR', 3, { department: 'transportation' }));
    expect(bridge.statusesOf('K')).toHaveLength(sent);
  });

  it('matches the 22 characters of the same digest that states written before kept', async () => {
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('K', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('K', 'K#1', 'maximo', 'APPR', 2, { department: 'transportation' }));
    const t = bridge.ticket('K');
    const key = t.lastStatusKey ?? '';
    const sent = bridge.statusesOf('K').length;
    bridge.tickets.set('K', { ...t, lastStatusKey: `${key}AbCdEfGhIjK` });
    bridge.send(dept('K', 'K#1', 'maximo', 'APPR', 3, { department: 'transportation' }));
    expect(bridge.statusesOf('K')).toHaveLength(sent);
    // A kept key of another status is a change: the status goes out.
    bridge.tickets.set('K', { ...bridge.ticket('K'), lastStatusKey: `x${key.slice(1)}AbCdEfGhIjK` });
    bridge.send(dept('K', 'K#1', 'maximo', 'APPR', 4, { department: 'transportation' }));
    expect(bridge.statusesOf('K')).toHaveLength(sent + 1);
  });

  it('compares as equal only the same key or a longer one it begins', () => {
    expect(sameStatusKey('abcdefghijk', 'abcdefghijk')).toBe(true);
    expect(sameStatusKey('abcdefghijk', 'abcdefghijk01234567890')).toBe(true);
    expect(sameStatusKey('abcdefghijk', 'abcdefghijx01234567890')).toBe(false);
    expect(sameStatusKey('abcdefghijk', 'abcdefghij')).toBe(false);
    expect(sameStatusKey('abcdefghijk', null)).toBe(false);
  });
});
