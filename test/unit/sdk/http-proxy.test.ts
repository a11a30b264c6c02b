import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { posseConfig } from '../../../connectors/posse/config.ts';
import { HttpClient, parseConnectorConfig } from '../../../src/sdk/index.ts';

// The move from axios to undici dropped the city's egress proxy (HTTP_PROXY, HTTPS_PROXY,
// NO_PROXY) and the credentials of a base URL (user:password@), which then went unsent.

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
const saved = Object.fromEntries(PROXY_VARS.map((v) => [v, process.env[v]]));
afterEach(() => {
  for (const v of PROXY_VARS) {
    const was = saved[v];
    if (was === undefined) Reflect.deleteProperty(process.env, v);
    else process.env[v] = was;
  }
});

/** A server that answers every request with `{"by": name}`, noting the request line it got. */
async function answering(name: string): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ by: name }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

let proxy: Awaited<ReturnType<typeof answering>>;
let direct: Awaited<ReturnType<typeof answering>>;
beforeAll(async () => {
  proxy = await answering('proxy');
  direct = await answering('system');
});
afterAll(async () => {
  for (const { server } of [proxy, direct]) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

describe('the SDK HTTP client behind an egress proxy', () => {
  it('goes through the proxy the environment names, and directly to the hosts NO_PROXY lists', async () => {
    for (const v of PROXY_VARS) Reflect.deleteProperty(process.env, v);
    process.env['HTTP_PROXY'] = proxy.url;
    const through = new HttpClient({ baseUrl: 'http://posse.city-internal.invalid', timeoutMs: 2_000 });
    expect((await through.get('/posse/api/changes', { params: { since: 0 } })).data).toBe('{"by":"proxy"}');
    expect(proxy.seen).toEqual(['GET http://posse.city-internal.invalid/posse/api/changes?since=0']);
    await through.close();

    process.env['NO_PROXY'] = '127.0.0.1';
    const around = new HttpClient({ baseUrl: direct.url, timeoutMs: 2_000 });
    expect((await around.get('/x')).data).toBe('{"by":"system"}');
    expect(proxy.seen).toHaveLength(1);
    await around.close();
  });

  // A CI runner's HTTP_PROXY, with NO_PROXY unset or not naming 127.0.0.1, sent simulator calls
  // to the proxy.
  it('reaches this machine directly whatever NO_PROXY says, and reads NO_PROXY when it starts', async () => {
    for (const v of PROXY_VARS) Reflect.deleteProperty(process.env, v);
    process.env['HTTP_PROXY'] = proxy.url;
    const before = proxy.seen.length;
    for (const noProxy of [undefined, 'localhost', 'posse.city-internal.invalid']) {
      if (noProxy === undefined) Reflect.deleteProperty(process.env, 'NO_PROXY');
      else process.env['NO_PROXY'] = noProxy;
      const local = new HttpClient({ baseUrl: direct.url, timeoutMs: 2_000 });
      expect((await local.get('/x')).data).toBe('{"by":"system"}');
      await local.close();
    }
    expect(proxy.seen).toHaveLength(before);

    process.env['NO_PROXY'] = 'posse.city-internal.invalid';
    const started = new HttpClient({ baseUrl: 'http://posse.city-internal.invalid', timeoutMs: 2_000 });
    // A NO_PROXY changed after the client started is not read: the list is the one it started with.
    process.env['NO_PROXY'] = '';
    await expect(started.get('/x')).rejects.toBeDefined();
    expect(proxy.seen).toHaveLength(before);
    await started.close();
  });
});

describe('a base URL with credentials in it', () => {
  const baseUrl = 'https://svc-bridge:S3cr3tPa55@posse.city.gov/';

  it('is refused by the connector config, naming the setting and never the password', () => {
    const refused = (() => {
      try {
        parseConnectorConfig('posse', posseConfig, { baseUrl, jurisdiction: 'x', departments: ['d'] });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(refused).toMatchObject({ code: 'CL_CONFIG_INVALID' });
    expect((refused as Error).message).toMatch(/baseUrl: must not carry credentials/);
    expect(
      JSON.stringify({ m: (refused as Error).message, d: (refused as { details: unknown }).details }),
    ).not.toContain('S3cr3tPa55');
  });

  it('is refused by the client too, for a connector whose config lets it through', () => {
    expect(() => new HttpClient({ baseUrl, timeoutMs: 1_000 })).toThrow(
      /^the base URL for posse\.city\.gov carries credentials \(user:password@\), which are never sent/,
    );
  });
});
