import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { withoutUserinfoIn } from '../../../src/config/registry-url.ts';

const FILE = 'config/closeloop.yaml';

describe('a registry URL with a user name and password in it', () => {
  it('is loaded without them, as basic-auth credentials beside it', async () => {
    const config = await loadConfig(FILE, { SCHEMA_REGISTRY_URL: 'http://svc:S3cret@registry:8081/apis/ccompat/v7' });
    expect(config.schemaRegistry).toMatchObject({
      url: 'http://registry:8081/apis/ccompat/v7',
      username: 'svc',
      password: 'S3cret',
    });
  });

  it('keeps the rest of the URL as written, and decodes what the userinfo percent-encodes', async () => {
    const config = await loadConfig(FILE, { SCHEMA_REGISTRY_URL: 'https://svc%40city:p%3Aw@d@registry:8081' });
    expect(config.schemaRegistry).toMatchObject({
      url: 'https://registry:8081',
      username: 'svc@city',
      password: 'p:w@d',
    });
  });

  it('gives way to SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD, the URL still cut', async () => {
    const config = await loadConfig(FILE, {
      SCHEMA_REGISTRY_URL: 'http://old:Stale@registry:8081',
      SCHEMA_REGISTRY_USERNAME: 'svc',
      SCHEMA_REGISTRY_PASSWORD: 'Fresh',
    });
    expect(config.schemaRegistry).toMatchObject({ url: 'http://registry:8081', username: 'svc', password: 'Fresh' });
  });

  it('leaves a URL without userinfo, and no credentials, as they were', async () => {
    const config = await loadConfig(FILE, { SCHEMA_REGISTRY_URL: 'http://registry:8081' });
    expect(config.schemaRegistry.url).toBe('http://registry:8081');
    expect(config.schemaRegistry).not.toHaveProperty('username');
    expect(config.schemaRegistry).not.toHaveProperty('password');
  });
});

describe('withoutUserinfoIn', () => {
  it('cuts the userinfo of every URL an error message quotes, and nothing else', () => {
    expect(
      withoutUserinfoIn(
        'Request cannot be constructed from a URL that includes credentials: http://admin:S3cretPW@127.0.0.1:28090/subjects',
      ),
    ).toBe('Request cannot be constructed from a URL that includes credentials: http://***@127.0.0.1:28090/subjects');
    expect(withoutUserinfoIn('a https://u:p@a and an http://plain:1/x')).toBe(
      'a https://***@a and an http://plain:1/x',
    );
    expect(withoutUserinfoIn('HTTP 503 from svc@registry')).toBe('HTTP 503 from svc@registry');
  });
});
