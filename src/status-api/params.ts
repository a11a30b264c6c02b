/**
 * The values of a query parameter, leaving out empty ones. GeoReport v2 treats an optional
 * parameter passed empty as not passed, and clients rely on it: FixMyStreet sends
 * `jurisdiction_id=` when none is configured, and forms send every field, filled or not.
 */
export function given(params: URLSearchParams, name: string): string[] {
  return params.getAll(name).filter((v) => v.trim() !== '');
}

/** The values of a parameter that may be repeated or comma-separated, trimmed, none empty. */
export function listed(params: URLSearchParams, name: string): string[] {
  return params
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
