import { z } from 'zod';
import { CloseloopError, SUGGEST_KEYS } from '../errors/index.ts';
import { DEFAULT_MAX_RESPONSE_BYTES } from './http-body.ts';

/** Every HTTP connector's cap on an answer's body (HttpClientOptions.maxResponseBytes). */
export const maxResponseBytesSetting = z
  .number()
  .int()
  .min(64 * 1024)
  .max(1024 * 1024 * 1024)
  .default(DEFAULT_MAX_RESPONSE_BYTES)
  .describe(
    'Longest answer body read, in bytes; a longer one is a malformed answer (retried, then the connector pauses), never read whole.',
  );

/**
 * Every HTTP connector's base URL: a URL without credentials in it (user:password@), which the
 * SDK's HttpClient never sends (it refuses them too): credentials come from the environment.
 */
export function baseUrlSetting(description: string) {
  return z
    .url()
    .refine(
      (v) => {
        const url = URL.parse(v);
        return url === null || (url.username === '' && url.password === '');
      },
      {
        message:
          'must not carry credentials (user:password@), which are never sent: give them through the environment variable the config names',
      },
    )
    .describe(description);
}

/** Validates a connector's config, reporting every problem at once, and freezes it. */
export function parseConnectorConfig<Config extends z.ZodType>(
  name: string,
  schema: Config,
  raw: unknown,
): z.infer<Config> {
  const parsed = schema.safeParse(raw, SUGGEST_KEYS);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${name}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CloseloopError('CL_CONFIG_INVALID', `invalid ${name} connector config:\n${problems.join('\n')}`, {
      details: { connector: name, problems },
    });
  }
  return Object.freeze(parsed.data) as z.infer<Config>;
}
