/**
 * Records for the connectors' mapping property tests: well-formed changes in the shapes the
 * simulators serve, each with the instant its time names, and the same mutated field by field
 * (left out, null, another type, empty, huge or odd text, dates in other forms and garbage,
 * numbers at their edges, prototype keys), and whole random JSON values.
 */
import fc from 'fast-check';

/** Zones with odd offsets and DST rules, and UTC. */
export const ZONES = ['UTC', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham'] as const;

/** Text that names a citizen: it must never reach an event. */
export const CONTACT = { email: 'ada.citizen@example.org', phone: '410-555-0199', name: 'Ada Citizen' };
/** Fields a CRM or permit system may add that name a person (README: dead letters redact them). */
export const contactFields = fc.subarray([
  ['requester', CONTACT.name],
  ['reporterPhone', CONTACT.phone],
  ['email', CONTACT.email],
  ['contact', { name: CONTACT.name, email: CONTACT.email, phone: CONTACT.phone }],
  ['customer', { fullName: CONTACT.name }],
  ['owner', CONTACT.name],
  ['tenantName', CONTACT.name],
] as [string, unknown][]);

/** An instant (whole ms, 2001..2096) and a form a system writes it in that names it in UTC. */
export const instant = fc.integer({ min: 1_000_000_000_000, max: 4_000_000_000_000 }).chain((ms) => {
  const iso = new Date(ms).toISOString();
  const forms: fc.Arbitrary<number | string>[] = [
    fc.constant(ms),
    fc.constant(String(ms)),
    fc.constant(iso),
    fc.constant(iso.replace('Z', '+00:00')),
    fc.constant(iso.replace('T', ' ').replace('Z', 'Z')),
  ];
  if (ms % 1000 === 0) forms.push(fc.constant(ms / 1000), fc.constant(iso.replace('.000Z', 'Z')));
  return fc.oneof(...forms).map((written) => ({ ms, written }));
});

const oddText = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', '\uFFFD', '\uD800', 'é\u0301', '👩‍👩‍👧', '\u202Eevil', 'null', 'NaN', '-0', '1e308'),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.nat({ max: 3 }).map((n) => 'x'.repeat([1_000, 10_000, 100_000, 1][n] ?? 1)),
);
const oddNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 1.5, 8.64e15, 8.64e15 + 1, 1e9 - 1, 1e11),
  fc.double(),
  fc.integer(),
);
const oddDate = fc.oneof(
  fc.constantFrom(
    '2024-02-30',
    '2024-13-01',
    '2024-03-10T02:30:00',
    '2024-11-03 01:30',
    '0000-01-01',
    '9999-12-31T23:59:59',
    '2024-05-01T10:00:00+14:00',
    '2024-05-01T10:00:00-12:00',
    '2024-05-01T10:00:00+99:99',
    '2024-05-01T24:00:00Z',
    '20241105',
    '202411050900',
    '11/05/2024',
    'tomorrow',
    '1e12',
    ' 1700000000 ',
    'NaN',
    'Infinity',
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
/** Numbers as text: their digits, and digits past a double's range or precision. */
const numericText = fc.oneof(
  oddNumber.map(String),
  fc.constantFrom('9'.repeat(400), `-${'9'.repeat(309)}.5`, `0.${'0'.repeat(400)}1`, ' 12.5 ', '+.5', '1_000', '0x10'),
);
/** Any value a record's field may hold instead of the one expected. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, true, false, [], {}, [null], { __proto__: null }),
  oddText,
  numericText,
  oddNumber,
  oddDate,
  fc.jsonValue({ maxDepth: 2 }),
);

/** A well-formed record, mutated: fields replaced, left out, or added (prototype keys among them). */
export function mutated(base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.keys(base);
  const change = fc.oneof(
    fc.tuple(fc.constantFrom(...fields), oddValue).map(([k, v]) => ({ kind: 'set' as const, k, v })),
    fc.constantFrom(...fields).map((k) => ({ kind: 'drop' as const, k })),
    fc
      .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf'), oddValue)
      .map(([k, v]) => ({ kind: 'set' as const, k, v })),
  );
  return fc.array(change, { minLength: 1, maxLength: 4 }).map((changes) => {
    // Built as JSON.parse builds it (fromEntries): `__proto__` an own field, never the prototype.
    const out = new Map(Object.entries(base));
    for (const c of changes) {
      if (c.kind === 'drop') out.delete(c.k);
      else out.set(c.k, c.v);
    }
    return Object.fromEntries(out);
  });
}

/** Anything at all in a page's list: mostly mutated records, sometimes any JSON. */
export const anything = (good: fc.Arbitrary<Record<string, unknown>>) =>
  fc.oneof(
    { weight: 6, arbitrary: good.chain(mutated) },
    { weight: 2, arbitrary: good },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: oddValue },
  );

const id = fc.stringMatching(/^[A-Z]{2}-\d{1,6}$/);

/** A CRM referral change, as the CRM simulator's feed serves one. */
export const crmChange = fc.record({
  seq: fc.integer({ min: 1, max: 2 ** 40 }),
  at: instant,
  ticketId: id,
  kind: fc.constantFrom('OPENED', 'UPDATED', 'DUPLICATE_DECLARED', 'CANCELLED'),
  actor: fc.constantFrom('agent', 'integration', 'system', 'portal'),
  serviceCode: fc.constantFrom('SR-POTHOLE', 'SR-GRAFFITI', 'SR-LIGHT'),
  serviceName: fc.option(fc.constantFrom('Pothole', 'Graffiti')),
  description: fc.option(fc.string({ maxLength: 40 })),
  duplicateOf: fc.option(id),
  closureReason: fc.option(fc.constantFrom('DUPLICATE', 'Cancelled by requestor', 'Resident withdrew')),
  channel: fc.option(fc.constantFrom('Phone', 'Mobile App', 'web', 'Carrier pigeon')),
  requestKind: fc.option(fc.constantFrom('Service', 'Information', 'complaint')),
  address: fc.option(fc.constantFrom('100 N Holliday St')),
  latitude: fc.option(fc.double({ min: -90, max: 90, noNaN: true })),
  longitude: fc.option(fc.double({ min: -180, max: 180, noNaN: true })),
  requestedAt: fc.option(instant.map((i) => i.written)),
  dueAt: fc.option(instant.map((i) => i.written)),
});
export type CrmGen = typeof crmChange extends fc.Arbitrary<infer T> ? T : never;
export const crmRaw = (c: CrmGen): Record<string, unknown> => ({ ...c, at: c.at.written });

/** A POSSE change of a 311 job, as the POSSE simulator's feed serves one. */
export const posseChange = fc.record({
  seq: fc.integer({ min: 1, max: 2 ** 40 }),
  at: instant,
  jobId: fc.stringMatching(/^JOB-\d{1,5}$/),
  externalRef: fc.uuid(),
  ticketId: id,
  department: fc.constantFrom('DPW', 'DOT', 'Housing'),
  outcome: fc.constantFrom('RECEIVED', 'SCHEDULED', 'COMPLETED', 'CANCELLED'),
  outcomeLabel: fc.string({ maxLength: 20 }),
  jobStatus: fc.constantFrom('Open', 'Closed', 'Cancelled'),
  note: fc.option(fc.string({ maxLength: 40 })),
  expectedAt: fc.option(instant.map((i) => i.written)),
});
export type PosseGen = typeof posseChange extends fc.Arbitrary<infer T> ? T : never;
export const posseRaw = (c: PosseGen): Record<string, unknown> => ({ ...c, at: c.at.written });

/** A Maximo work order of a 311 ticket, as the Maximo simulator's feed serves one (lean JSON). */
export const maximoRow = fc.record({
  workorderid: fc.integer({ min: 1, max: 2 ** 31 }),
  _rowstamp: fc.integer({ min: 1, max: 2 ** 40 }).map(String),
  wonum: fc.integer({ min: 1000, max: 99999 }).map(String),
  siteid: fc.constantFrom('BEDFORD', 'TEXAS'),
  status: fc.constantFrom('WAPPR', 'APPR', 'INPRG', 'COMP', 'CLOSE', 'CAN'),
  statusdate: instant.map(({ ms }) => ({ ms, written: new Date(ms).toISOString() })),
  origrecordid: id,
  externalrefid: fc.uuid(),
  status_maxvalue: fc.constantFrom('WAPPR', 'APPR', 'CLOSE'),
  wopriority: fc.integer({ min: 1, max: 5 }),
  schedstart: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
});
export type MaximoGen = typeof maximoRow extends fc.Arbitrary<infer T> ? T : never;
export const maximoRaw = (w: MaximoGen): Record<string, unknown> => ({
  ...w,
  href: `http://maximo/oslc/os/mxwo/_${w.workorderid}`,
  statusdate: w.statusdate.written,
  changedate: w.statusdate.written,
  origrecordclass: 'SR',
});
