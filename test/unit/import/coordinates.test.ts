import { describe, expect, it } from 'vitest';
import { parseImportMapping } from '../../../src/import/mapping.ts';
import { compileMapping, mapRow } from '../../../src/import/rows.ts';

const columns = { ticketId: 'id', openedAt: 'opened', requestType: 'type', latitude: 'Lat', longitude: 'Lon' };
const mapping = (change: Record<string, unknown> = {}) =>
  parseImportMapping(
    {
      jurisdiction: 'testcity',
      source: 'testcity-311',
      timeZone: 'America/Chicago',
      dateFormats: ['iso'],
      columns,
      defaults: { department: 'D', channel: 'OTHER' },
      ...change,
    },
    'city.yaml',
  );
const c = compileMapping(mapping());
const row = (Lat: string, Lon: string) =>
  mapRow(c, { id: '1', opened: '2024-01-02T10:00:00Z', type: 'P', Lat, Lon }, 5);

describe('coordinates', () => {
  it('reads plain decimal degrees, signed or not', () => {
    expect(row('41.8781', '-87.6298')).toMatchObject({
      ok: true,
      row: { events: [{ location: { latitude: 41.8781, longitude: -87.6298 } }] },
    });
    expect(row('+90', '180')).toMatchObject({
      ok: true,
      row: { events: [{ location: { latitude: 90, longitude: 180 } }] },
    });
    expect(row('', '')).toMatchObject({ ok: true, row: { events: [{ location: null }] } });
    // Both zero means "not given" in several exports (defaults.zeroIsNoLocation).
    expect(row('0', '0.0')).toMatchObject({ ok: true, row: { events: [{ location: null }] } });
  });

  it.each([
    ['0x1A', '-87', 'Lat'],
    ['41.8', '-8.7e1', 'Lon'],
    ['4e1', '-87', 'Lat'],
    ['41,8', '-87', 'Lat'],
    ['41.', '-87', 'Lat'],
    ['.5', '-87', 'Lat'],
    ['Infinity', '-87', 'Lat'],
    ['41.8', '- 87', 'Lon'],
  ])('rejects %s, %s, naming the column %s', (lat, lon, column) => {
    expect(row(lat, lon)).toMatchObject({
      ok: false,
      rejection: { row: 5, column, reason: expect.stringContaining('is not a decimal number of degrees') },
    });
  });

  it.each([
    ['-91.5', '41.8', 'Lat', 'latitude "-91.5" is outside -90 to 90'],
    ['41.8', '180.5', 'Lon', 'longitude "180.5" is outside -180 to 180'],
    // One coordinate without the other: the missing column is named.
    ['41.8', '', 'Lon', 'longitude is empty, but latitude is given'],
    [' ', '-87.6', 'Lat', 'latitude is empty, but longitude is given'],
  ])('rejects %j, %j in column %s: %s', (lat, lon, column, reason) => {
    expect(row(lat, lon)).toMatchObject({ ok: false, rejection: { row: 5, column, reason } });
  });

  it('refuses a mapping that names one coordinate column and not the other', () => {
    const { longitude: _, ...latitudeOnly } = columns;
    expect(() => mapping({ columns: latitudeOnly })).toThrow(/columns\.longitude: columns\.latitude is given/);
  });
});
