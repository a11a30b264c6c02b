import type { StatusApiSettings } from '../../src/config/index.ts';

/**
 * Status API settings for tests: loopback, a port the system picks, no rate limit, and no ops
 * listener unless one is given (a fixed default port would collide across test files).
 */
export function statusApiSettings(over: Partial<StatusApiSettings> = {}): StatusApiSettings {
  return {
    host: '127.0.0.1',
    port: 0,
    rateLimit: null,
    trustProxy: false,
    historyLimit: 50,
    maxIdsPerRequest: 50,
    ...over,
  };
}
