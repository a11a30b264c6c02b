import { EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { CloseloopError } from '../errors/index.ts';

/**
 * What HttpClient is made with: its connection pool and the check of its base URL (a module of
 * its own beside http-client.ts, which makes the calls).
 */

/**
 * The client's keep-alive pool, through the city's egress proxy when the environment names one
 * (HTTP_PROXY, HTTPS_PROXY, and NO_PROXY for the hosts reached directly), as axios, the client
 * before, went.
 */
export function proxyingAgent(timeoutMs: number): Dispatcher {
  return new EnvHttpProxyAgent({
    keepAliveTimeout: 10_000,
    connect: { timeout: timeoutMs },
    noProxy: noProxyList(process.env),
  });
}

/**
 * The hosts reached without the proxy: those NO_PROXY (or no_proxy) lists, as read now, when the
 * client is made, and always this machine's loopback: a CI runner or a city host often sets
 * HTTP_PROXY without naming 127.0.0.1 in NO_PROXY, and no egress proxy can reach a simulator or
 * a sidecar listening on the bridge's own host.
 */
function noProxyList(env: NodeJS.ProcessEnv): string {
  const listed = env['no_proxy'] ?? env['NO_PROXY'] ?? '';
  return [listed, 'localhost', '127.0.0.1', '::1', '[::1]'].filter((h) => h.trim() !== '').join(',');
}

/**
 * A base URL with credentials in it (https://user:password@host) is refused: undici sends none of
 * them, so every call would go unauthenticated, and a password in a config file is one in every
 * copy of it. Each connector reads its credentials from the environment (its tokenEnv, apiKeyEnv).
 * The message names the host only, never the credentials.
 */
export function refuseCredentialsIn(baseUrl: string): void {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return;
  }
  if (url.username !== '' || url.password !== '')
    throw new CloseloopError(
      'CL_CONFIG_INVALID',
      `the base URL for ${url.host} carries credentials (user:password@), which are never sent: remove them and give the connector its credentials through the environment variable its config names`,
    );
}
