export const CONTENT_TYPES = { json: 'application/json; charset=utf-8', xml: 'text/xml; charset=utf-8' } as const;

// Statuses change at any moment and the data is public and read-only. A web page's script sees
// only the CORS-safelisted headers unless told otherwise, and it needs the limit's to back off.
export const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining',
  'x-content-type-options': 'nosniff',
} as const;
