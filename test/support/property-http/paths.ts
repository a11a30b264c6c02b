/**
 * Generated request targets' paths: every route the servers have and paths near them, escapes
 * broken and not, dot segments, runs of slashes, long paths, unicode as escapes and as raw bytes;
 * each with whether a client may send it as well-formed HTTP.
 */
import fc from 'fast-check';
import { API_IDS, SITE_IDS } from './servers.ts';

/** The bytes of a text as the client sends them: each latin1 character of the result is one byte. */
export const bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
// Controls are what these look for.
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\x00-\x20\x7f]/g;
// eslint-disable-next-line no-control-regex
export const NOT_IN_HEADER = /[\x00-\x08\x0a-\x1f\x7f]/g;
/** The same, with what no client can put in a request line (spaces, controls) escaped. */
const rawBytes = (text: string) =>
  bytes(text).replace(CONTROL_OR_SPACE, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export const LONG = fc.integer({ min: 300, max: 20_000 });
export const word = fc.string({ unit: fc.constantFrom(..."abcXYZ019-_.~!$&'()*+,;=:@".split('')), maxLength: 12 });
export const unicode = fc.string({ unit: 'grapheme', maxLength: 6 });

/** A path segment and whether the client can send it as well-formed HTTP. */
const segment: fc.Arbitrary<[string, boolean]> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom<[string, boolean]>(
      ['', true],
      ['.', true],
      ['..', true],
      ['%2e', true],
      ['%2E%2E', true],
      ['%', true],
      ['%G1', true],
      ['%E0%A4%A', true],
      ['%00', true],
      ['%C0%AF', true],
      ['%2F', true],
      ['%20', true],
      ['T1', true],
      ['PII', true],
      ['S1', true],
      ['PII-SITE', true],
      ['CS%204', true],
      [encodeURIComponent('a/b#c?d'), true],
      [encodeURIComponent('é-1.json'), true],
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...API_IDS, ...SITE_IDS).map((id): [string, boolean] => [encodeURIComponent(id), true]),
  },
  { weight: 3, arbitrary: word.map((w): [string, boolean] => [w, true]) },
  { weight: 2, arbitrary: unicode.map((u): [string, boolean] => [encodeURIComponent(u), true]) },
  // Raw UTF-8 bytes in the request line: not a URL a client should send.
  {
    weight: 1,
    arbitrary: unicode.filter((u) => /[^\x21-\x7e]/.test(u)).map((u): [string, boolean] => [rawBytes(u), false]),
  },
  fc
    .nat(4)
    .chain((k) =>
      k === 0
        ? LONG.map((n): [string, boolean] => ['x'.repeat(n), true])
        : word.map((w): [string, boolean] => [w, true]),
    ),
);

const ROUTES = [
  '/discovery',
  '/services',
  '/services/POTHOLE',
  '/services/GRAFFITI',
  '/services/NOPE',
  '/requests',
  '/requests/T1',
  '/requests/PII',
  '/requests/D',
  '/requests/FACT-ONLY',
  '/requests/S1',
  '/requests/PII-SITE',
  '/requests/CS%204',
  `/requests/${encodeURIComponent('a/b#c?d')}`,
  `/requests/${encodeURIComponent('é-1.json')}`,
  '/',
  '/index.html',
  '/track',
  '/track/S1',
  '/track/PII-SITE',
  '/track/I1',
  '/performance',
  '/performance.csv',
  '/performance.json',
  '/departments',
  '/departments/transportation',
  '/metrics',
  '/health/live',
  '/health/ready',
];
const EXTENSIONS = [
  '.json',
  '.xml',
  '.json',
  '.xml',
  '',
  '.JSON',
  '.XmL',
  '.json/',
  '.xml//',
  '.html',
  '.csv',
  '.',
  '.json.xml',
];

/** [path, well-formed] */
export const pathArb: fc.Arbitrary<[string, boolean]> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom(...ROUTES), fc.constantFrom(...EXTENSIONS))
      .map(([r, e]) => [`${r}${e}`, true] as [string, boolean]),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...ROUTES),
        fc.array(segment, { maxLength: 4 }),
        fc.constantFrom(...EXTENSIONS),
        fc.boolean(),
      )
      .map(([route, segs, ext, slashes]): [string, boolean] => {
        const joined = segs.map(([s]) => s).join('/');
        const head = slashes ? route.replace(/\//g, '//') : route;
        return [`${head}${segs.length > 0 ? '/' : ''}${joined}${ext}`, segs.every(([, ok]) => ok)];
      }),
  },
  {
    // Lookups and searches, with whatever query follows.
    weight: 5,
    arbitrary: fc.constantFrom<[string, boolean]>(['/requests.json', true], ['/requests.xml', true]),
  },
  {
    // A generated id or code in the routes that take one.
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom('/requests/', '/services/', '/track/', '/departments/'),
        segment,
        fc.constantFrom(...EXTENSIONS),
      )
      .map(([route, [s, ok], ext]): [string, boolean] => [`${route}${s}${ext}`, ok]),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<[string, boolean]>(
      ['*', true],
      ['http://elsewhere.example/discovery.json', true],
      ['requests.json', false],
    ),
  },
);
