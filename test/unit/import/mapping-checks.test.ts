import { describe, expect, it } from 'vitest';
import { isCloseloopError } from '../../../src/errors/index.ts';
import { parseImportMapping } from '../../../src/import/mapping.ts';

const base = {
  jurisdiction: 'testcity',
  source: 'testcity-311',
  timeZone: 'America/Chicago',
  dateFormats: ['iso'],
  columns: { ticketId: 'id', openedAt: 'opened', requestType: 'type', status: 'status', channel: 'channel' },
  values: { status: { Open: 'open', Closed: 'closed' }, channel: { Phone: 'PHONE' } },
  defaults: { department: 'D' },
};

/** The mapping's problems, each "<file>: <path>: <message>", or [] when it validates. */
function problemsOf(change: Record<string, unknown>): string[] {
  try {
    parseImportMapping({ ...base, ...change }, 'city.yaml');
    return [];
  } catch (err) {
    if (!isCloseloopError(err, 'CL_CONFIG_INVALID')) throw err;
    return (err as unknown as { details: { problems: string[] } }).details.problems;
  }
}

describe('value maps', () => {
  it('refuses two keys of one map that are the same word but for case and spaces, naming both', () => {
    const problems = problemsOf({
      values: {
        status: { Closed: 'closed', Open: 'open', OPEN: 'closed' },
        channel: { Phone: 'PHONE', ' phone ': 'WEB', Web: 'WEB' },
      },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^city\.yaml: values\.channel\. phone : "Phone" and " phone " /),
      expect.stringMatching(/^city\.yaml: values\.status\.OPEN: "Open" and "OPEN" /),
    ]);
  });

  it('accepts keys that differ in more than case and spaces', () => {
    expect(problemsOf({ values: { status: { Open: 'open', Reopened: 'open', 'Closed ok': 'closed' } } })).toEqual([]);
  });
});
