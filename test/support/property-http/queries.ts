/**
 * Generated query strings: every Open311 parameter, repeated, empty, huge and badly escaped, dates
 * in W3C and other forms, and ids listed as clients list them.
 */
import fc from 'fast-check';
import { LONG, unicode, word } from './paths.ts';
import { API_IDS, SITE_IDS } from './servers.ts';

const dates = fc.oneof(
  fc.constantFrom(
    '2026-10-01T00:00:00Z',
    '2026-10-05',
    '2026-10-01T02:00:00+02:00',
    '2026-10-01T02:00:00%2B02:00',
    '2026-10-01T02:00:00+0200',
    '2026-10-01t00:00:00z',
    '2026-10-01T00:00:00.123456789Z',
    '2026-10-01T00:00:00',
    '2026-09-31',
    '2026-02-29T00:00:00Z',
    '2026-10-01T24:00:00Z',
    '2026-10-01T00:60:00Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '1970-01-01',
    'yesterday',
    '1727740800',
    '2026-13-01',
    '%',
  ),
  fc.date({ noInvalidDate: true }).map((d) => encodeURIComponent(d.toISOString())),
);

const PARAMS = [
  'service_request_id',
  'start_date',
  'end_date',
  'status',
  'service_code',
  'page',
  'page_size',
  'jurisdiction_id',
  'format',
  'month',
  'id',
  'api_key',
  'x',
];
const value = fc.oneof(
  fc.constantFrom(
    '',
    'T1',
    'T1,PII',
    'PII,,D',
    '+T1+,+NOPE+',
    '%20T1%20,%20NOPE%20',
    'NOPE',
    'open',
    'closed',
    'open,closed',
    'pending',
    'POTHOLE',
    'POTHOLE,GRAFFITI',
    'yeg',
    'YEG',
    'bmore',
    'nyc',
    '1',
    '0',
    '-1',
    'NaN',
    'json',
    'xml',
    '2026-10',
    '2026-13',
    '+',
    '%',
    '%zz',
    '%E0%A4%A',
    'a%26b',
    '%2C',
  ),
  dates,
  word,
  unicode.map(encodeURIComponent),
  fc
    .array(fc.constantFrom('T1', 'PII', 'D', 'NOPE', 'CS%204', '%20'), { minLength: 40, maxLength: 70 })
    .map((ids) => ids.join(',')),
  LONG.map((n) => 'q'.repeat(Math.min(n, 6000))),
);
const query = fc
  .array(fc.tuple(fc.constantFrom(...PARAMS), value), { maxLength: 6 })
  .map((ps) => (ps.length === 0 ? '' : `?${ps.map(([k, v]) => `${k}=${v}`).join('&')}`));
/** What a client of the API asks for in earnest, answered 200 with requests in it. */
const earnest = fc.constantFrom(
  '',
  '?service_request_id=PII',
  '?service_request_id=PII,T1,D,FACT-ONLY,CS%204',
  '?service_request_id=PII-SITE,S1',
  '?status=open',
  '?start_date=2026-09-01T00:00:00Z&end_date=2026-10-30T00:00:00Z',
  '?service_code=POTHOLE&jurisdiction_id=YEG',
  '?jurisdiction_id=bmore',
  '?month=2026-10',
);
/** Ids as clients list them: known and not, encoded, padded, repeated, empty, in one value or several. */
const idList = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('T1', 'PII', 'CS+4', ...API_IDS.map(encodeURIComponent)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...SITE_IDS, 'NOPE', '%20T1%20', '+PII+', '', '%2E%2E', 'x'.repeat(257)),
      },
    ),
    { minLength: 1, maxLength: 8 },
  )
  .chain((ids) =>
    fc
      .boolean()
      .map(
        (repeat) =>
          `?${repeat ? ids.map((id) => `service_request_id=${id}`).join('&') : `service_request_id=${ids.join(',')}`}`,
      ),
  );
export const suffix = fc.oneof(
  { weight: 3, arbitrary: earnest },
  { weight: 2, arbitrary: idList },
  { weight: 3, arbitrary: query },
  { weight: 1, arbitrary: fc.constantFrom('?', '?&&', '?=', '?service_request_id', '#frag', '?status=open#x') },
);
