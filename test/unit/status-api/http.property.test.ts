/**
 * Property-based HTTP fuzzing of the status API, the public site and the ops listener, each started
 * in-process on loopback over in-memory read models that hold contact data staff pasted into notes.
 * Generated requests (test/support/property-http/) go out through Node's http client, one
 * connection each, with odd methods, escapes, dot segments, long and unicode paths, every Open311
 * parameter in good and bad forms, odd headers and bodies. What is checked, from
 * docs/status-api.md and docs/public-site.md:
 *
 * - every request is answered (no dropped connection), never with a 5xx, with the headers every
 *   answer carries, in the Content-Type the URL asks for; its body parses (JSON) or is well-formed
 *   (XML); errors are GeoReport's list, in that format, and repeat nothing sent; no contact data;
 * - preflights are 204s with the CORS leave, other methods 405s with Allow, no Host a 400;
 * - lookups by id answer the known ids asked, in order, once each, or the documented 400 or 404;
 * - the server answers a plain request after each fuzzed one;
 * - HEAD is GET without the body; the JSON and XML forms of a request answer alike;
 * - the rate limit counts every request but preflights, and refuses with 429 and Retry-After.
 *
 * A failure prints the seed and the shrunk request; fc.assert's `seed` and `path` replay it.
 * PROPERTY_SEED and PROPERTY_RUNS (a multiplier) explore further.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { StatusProjection, type StatusApiServer } from '../../../src/status-api/index.ts';
import type { StatusOps } from '../../../src/status-api/ops.ts';
import { check } from '../../support/property/check.ts';
import { plain, send } from '../../support/property-http/client.ts';
import { checkAnswer, mustAnswer, type Target } from '../../support/property-http/checks.ts';
import { fuzzedRequest, type Fuzzed } from '../../support/property-http/requests.ts';
import { checkLookup } from '../../support/property-http/lookups.ts';
import { startApi, startOps, startSite } from '../../support/property-http/servers.ts';
import { checkFormatsAgree, checkHeadLikeGet, checkStatus, otherFormat } from '../../support/property-http/statuses.ts';
import { startServer } from './fixtures.ts';

const SEED = Number(process.env['PROPERTY_SEED'] ?? 311_2026);
const SCALE = Number(process.env['PROPERTY_RUNS'] ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

const servers: { api?: StatusApiServer; site?: StatusApiServer; ops?: StatusOps } = {};
const bases: Record<Target | 'ops', string> = { api: '', site: '', ops: '' };
const ALIVE: Record<Target, string> = { api: '/requests/T1.json', site: '/track/S1' };

beforeAll(async () => {
  const [api, site, ops] = await Promise.all([startApi(), startSite(), startOps()]);
  Object.assign(servers, { api: api.server, site: site.server, ops: ops.ops });
  Object.assign(bases, { api: api.base, site: site.base, ops: ops.base });
});
afterAll(async () => {
  await Promise.all([servers.api?.stop(), servers.site?.stop(), servers.ops?.stop()]);
});

async function stillUp(target: Target, after: Fuzzed): Promise<void> {
  const res = mustAnswer(await send(bases[target], plain(ALIVE[target])), after);
  check(res.status === 200, 'a plain request after a fuzzed one is not answered 200', {
    after: after.path.slice(0, 200),
    status: res.status,
  });
}

async function opsLive(after: Fuzzed): Promise<void> {
  const live = mustAnswer(await send(bases.ops, plain('/health/live')), after);
  check(live.status === 200, 'the ops listener does not answer /health/live after a fuzzed request', {
    after: after.path.slice(0, 200),
  });
}

const target = fc.constantFrom<Target>('api', 'site');

describe('the status API and the public site, over HTTP, whatever is sent', () => {
  it(
    'answer every request, in the documented shape and format, without contact data, and stay up',
    { timeout: 120_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(target, fuzzedRequest, async (t, r) => {
          const res = mustAnswer(await send(bases[t], r), r);
          checkAnswer(t, r, res);
          checkStatus(r, res);
          if (t === 'api') checkLookup(r, res);
          await stillUp(t, r);
        }),
        { seed: SEED, numRuns: runs(2000) },
      );
    },
  );

  it('answer HEAD as GET, without the body', { timeout: 120_000 }, async () => {
    const getOrHead = fuzzedRequest.filter((r) => r.method === 'GET' || r.method === 'HEAD');
    await fc.assert(
      fc.asyncProperty(target, getOrHead, async (t, r) => {
        const get = mustAnswer(await send(bases[t], { ...r, method: 'GET' }), r);
        const head = mustAnswer(await send(bases[t], { ...r, method: 'HEAD' }), r);
        checkHeadLikeGet(r, get, head);
      }),
      { seed: SEED, numRuns: runs(800) },
    );
  });

  it('answer a request in JSON and in XML alike', { timeout: 120_000 }, async () => {
    // The Open311 routes: every one answers XML and JSON (docs/status-api.md, "Endpoints"); the
    // site's downloads and pages are not among them.
    const open311 = /^\/+(discovery|services|requests)[./]/;
    const twoFormats = fuzzedRequest.filter(
      (r) => r.wellFormed && r.host && r.method === 'GET' && open311.test(r.path) && otherFormat(r.path) !== null,
    );
    await fc.assert(
      fc.asyncProperty(target, twoFormats, async (t, r) => {
        const a = mustAnswer(await send(bases[t], r), r);
        const other = { ...r, path: otherFormat(r.path) ?? r.path };
        const b = mustAnswer(await send(bases[t], other), other);
        checkAnswer(t, other, b);
        checkFormatsAgree(r, a, b);
      }),
      { seed: SEED, numRuns: runs(500) },
    );
  });
});

describe('the ops listener, whatever is sent', () => {
  it('answers every request without a 5xx, JSON that parses, and stays up', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fuzzedRequest, async (r) => {
        const o = await send(bases.ops, r);
        // Past Node's header limit the ops listener has Node's own answer (a 431, or a reset while
        // the client is still sending): it is loopback, for operators. Still it must stay up.
        const pastLimit = r.path.length + r.headers.reduce((n, [k, v]) => n + k.length + v.length, 0) > 16_384;
        if (!o.ok && pastLimit) return void (await opsLive(r));
        const res = mustAnswer(o, r);
        const ctx = {
          path: r.path.slice(0, 200),
          method: r.method,
          status: res.status,
          body: res.body.toString('utf8').slice(0, 200),
        };
        check(res.status < 500, 'a 5xx from the ops listener', ctx);
        if (res.headers['content-type'] === 'application/json' && r.method !== 'HEAD') {
          let parsed = true;
          try {
            JSON.parse(res.body.toString('utf8'));
          } catch {
            parsed = false;
          }
          check(parsed, 'an ops answer in JSON that does not parse', ctx);
        }
        await opsLive(r);
      }),
      { seed: SEED, numRuns: runs(400) },
    );
  });
});

describe('the rate limit, over HTTP', () => {
  const POINTS = 3;
  // Well-formed requests with a Host: they reach the limiter (docs/status-api.md, "Rate limiting").
  const counted = fuzzedRequest.filter((r) => r.wellFormed && r.host);

  it(
    'refuses a client past its points with 429 and Retry-After, and never a preflight',
    { timeout: 60_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(counted, { minLength: 1, maxLength: 7 }), async (rs) => {
          const { server, base } = await startServer(new StatusProjection(), {
            rateLimit: { points: POINTS, durationSeconds: 60 },
          });
          try {
            let taken = 0;
            for (const r of rs) {
              const res = mustAnswer(await send(base, r), r);
              checkAnswer('api', r, res);
              const ctx = {
                method: r.method,
                path: r.path.slice(0, 200),
                taken,
                status: res.status,
                headers: res.headers,
              };
              if (r.method === 'OPTIONS') {
                check(res.status === 204 && res.headers['x-ratelimit-limit'] === undefined, 'a preflight counted', ctx);
                continue;
              }
              taken += 1;
              check(res.headers['x-ratelimit-limit'] === String(POINTS), 'no X-RateLimit-Limit', ctx);
              check(
                res.headers['x-ratelimit-remaining'] === String(Math.max(0, POINTS - taken)),
                'a wrong X-RateLimit-Remaining',
                ctx,
              );
              const retry = Number(res.headers['retry-after']);
              if (taken > POINTS)
                check(
                  res.status === 429 && Number.isInteger(retry) && retry >= 1,
                  'past the limit, no 429 with Retry-After',
                  ctx,
                );
              else check(res.status !== 429 && res.headers['retry-after'] === undefined, 'a 429 within the limit', ctx);
            }
          } finally {
            await server.stop();
          }
        }),
        { seed: SEED, numRuns: runs(100) },
      );
    },
  );
});
