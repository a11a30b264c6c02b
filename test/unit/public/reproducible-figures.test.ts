import { describe, expect, it } from 'vitest';
import { PublicFigures } from '../../../src/public/figures.ts';
import { RequestFacts, type CrmFactSource } from '../../../src/status-api/index.ts';

/*
 * Open data must come out the same from every replica: whatever LANG the server runs under, and
 * whatever order it read the CRM's partitions in.
 */
const NOW = Date.UTC(2026, 10, 15);
const OCT = (day: number) => Date.UTC(2026, 9, day, 14);

const fact = (ticketId: string, over: Partial<CrmFactSource>): CrmFactSource => ({
  ticketId,
  serviceCode: 'POTHOLE',
  serviceName: 'Pothole',
  requestedAt: OCT(10),
  channel: 'WEB',
  requestKind: 'SERVICE',
  location: null,
  crmDueAt: null,
  ...over,
});

function month(facts: readonly CrmFactSource[]) {
  const store = new RequestFacts();
  for (const f of facts) store.apply(f);
  return { figures: new PublicFigures(store, 'UTC', () => NOW).month('2026-10'), store };
}

describe('the public figures, reproducibly', () => {
  it('break ties in the top 10 in code-unit order, not the locale', () => {
    // Every locale puts "a" before "B" and "Ä" among the A's; code units put capitals first.
    const codes = ['a', 'Ä', 'B', 'Z', 'b'];
    const { figures } = month(codes.map((serviceCode, i) => fact(`T${i}`, { serviceCode, serviceName: null })));
    expect(figures.topService.map((c) => c.key)).toEqual(['B', 'Z', 'a', 'b', 'Ä']);
  });

  it('name a service after its latest request, whichever was read last', () => {
    const events = [
      fact('A1', { serviceCode: 'SW-DIRTY', serviceName: 'Dirty Alley', requestedAt: OCT(3) }),
      fact('B1', { serviceCode: 'SW-DIRTY', serviceName: 'Dirty Alley or Street', requestedAt: OCT(20) }),
      // The same request time: the greater ticket id's name.
      fact('C1', { serviceCode: 'GRAFFITI', serviceName: 'Graffiti', requestedAt: OCT(5) }),
      fact('C2', { serviceCode: 'GRAFFITI', serviceName: 'Graffiti removal', requestedAt: OCT(5) }),
    ];
    for (const order of [events, [...events].reverse()]) {
      const { figures, store } = month(order);
      expect(figures.topService.map((c) => c.label)).toEqual(['Graffiti removal', 'Dirty Alley or Street']);
      expect(store.serviceName('SW-DIRTY')).toBe('Dirty Alley or Street');
      expect(store.serviceName('GRAFFITI')).toBe('Graffiti removal');
    }
  });

  it('take a new name on the request that gave the name in force', () => {
    const { store } = month([
      fact('A1', { serviceCode: 'SW-DIRTY', serviceName: 'Dirty Alley', requestedAt: OCT(3) }),
      fact('B1', { serviceCode: 'SW-DIRTY', serviceName: 'Dirty Alley or Street', requestedAt: OCT(20) }),
      fact('B1', { serviceCode: 'SW-DIRTY', serviceName: 'Dirty street' }),
    ]);
    expect(store.serviceName('SW-DIRTY')).toBe('Dirty street');
  });
});
