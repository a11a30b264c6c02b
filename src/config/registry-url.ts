import { withoutUserinfo } from './env-overrides.ts';

/** Where the schema registry is, and the basic-auth credentials closeloop gives it (if any). */
export interface RegistryAddress {
  /** The URL with no user name or password in it. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
}

/**
 * The registry URL with any `user:password@` taken out, as basic-auth credentials beside it:
 * what the serde and the readiness probe are both given. Taken out once, here, because Node's
 * fetch refuses a URL carrying credentials (and quotes it, password included, in its error),
 * and because a URL in the config may be logged or printed. SCHEMA_REGISTRY_USERNAME and
 * SCHEMA_REGISTRY_PASSWORD, when both are set, win over the URL's: they are the documented way.
 */
export function registryAddress(url: string, env: NodeJS.ProcessEnv): RegistryAddress {
  const split = splitUserinfo(url);
  const username = env['SCHEMA_REGISTRY_USERNAME'];
  const password = env['SCHEMA_REGISTRY_PASSWORD'];
  if (username && password) return { url: split.url, username, password };
  return split;
}

/**
 * The URL without its userinfo, and the user name and password (percent-decoded) it held. The
 * rest of the URL is kept as written (URL.href would add a `/` to a bare origin, and the serde
 * appends paths to it). The userinfo ends at the authority's last `@`, as the URL parser has it.
 */
function splitUserinfo(url: string): RegistryAddress {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  const parsed = URL.parse(url);
  if (!scheme || !parsed || (parsed.username === '' && parsed.password === '')) return { url };
  const rest = url.slice(scheme.length);
  const end = rest.search(/[/?#\\]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  return {
    url: `${scheme}${rest.slice(at + 1)}`,
    username: decoded(parsed.username),
    password: decoded(parsed.password),
  };
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    // A lone `%` the parser left as it was: the operator meant it literally.
    return part;
  }
}

/**
 * Text (an error's message) with the userinfo of every URL in it cut out, as withoutUserinfo
 * cuts it: what a probe or registry error says is logged and served as a readiness reason.
 */
export function withoutUserinfoIn(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, (url) => withoutUserinfo(url));
}
