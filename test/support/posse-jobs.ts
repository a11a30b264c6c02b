/**
 * Creates job T-<n>#1 (ticket T-<n>, housing) in a POSSE simulator as a CREATE command makes it:
 * the request every POSSE test that needs a job sends.
 */
export function createPosseJob(
  url: string,
  n: number,
  o: { readonly token?: string; readonly serviceCode?: string } = {},
): Promise<Response> {
  return fetch(`${url}/posse/api/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
    body: JSON.stringify({
      externalRef: `T-${n}#1`,
      ticketId: `T-${n}`,
      department: 'housing',
      serviceCode: o.serviceCode ?? 'SR-HIGH-GRASS',
      description: null,
      priority: 3,
    }),
  });
}
