/**
 * The URL a request asks for, at `base` (the origin from a checked Host header). Only the path and
 * query of the request target are taken: WHATWG's parser reads a path that starts with `//` as a
 * host (`//requests.json` would ask for `/` on host `requests.json`), and an absolute-form target
 * (`GET http://elsewhere/discovery.json`) would set the origin discovery advertises. A run of
 * slashes in the path counts as one, as most web servers take it: a client that joins a base URL
 * ending in `/` with `/requests.json` asks for `//requests.json`. Null when the target is not a
 * path (an asterisk, an authority) or cannot be read.
 */
export function requestUrl(target: string, base: string): URL | null {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? URL.parse(target) : null;
  const path = absolute ? `${absolute.pathname}${absolute.search}` : target;
  if (!path.startsWith('/')) return null;
  const query = path.indexOf('?');
  const [pathname, search] = query === -1 ? [path, ''] : [path.slice(0, query), path.slice(query)];
  return URL.parse(`${base}${pathname.replace(/\/{2,}/g, '/')}${search}`);
}
