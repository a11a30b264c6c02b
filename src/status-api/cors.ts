import type { IncomingMessage } from 'node:http';

export const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';

/** A CORS preflight's answer: no body, only the leave the browser asked for. */
export interface Preflight {
  readonly preflight: true;
  readonly status: 204;
  readonly template: string;
  readonly headers: Readonly<Record<string, string>>;
}

// A list of header names (tokens); anything else is not echoed back.
const HEADER_NAMES = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

/**
 * The answer to OPTIONS. A browser sends a preflight before a cross-origin GET that carries a
 * header of its own (e.g. a page's X-Requested-With); without a 2xx here it never sends the GET.
 * The API reads no request header, so whatever headers are asked for may be sent. The leave is
 * kept a day (browsers cap it lower); it varies with the headers asked for, as they are echoed.
 */
export function preflight(req: IncomingMessage, template: string): Preflight {
  const asked = req.headers['access-control-request-headers']?.trim() ?? '';
  return {
    preflight: true,
    status: 204,
    template,
    headers: {
      allow: ALLOWED_METHODS,
      'access-control-allow-methods': ALLOWED_METHODS,
      ...(HEADER_NAMES.test(asked) ? { 'access-control-allow-headers': asked } : {}),
      'access-control-max-age': '86400',
      vary: 'Access-Control-Request-Headers',
    },
  };
}
