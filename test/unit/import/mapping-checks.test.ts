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

describe('date formats', () => {
  it('accepts the shipped formats, iso and quoted literals', () => {
    const formats = ['iso', 'MM/dd/yyyy hh:mm:ss a', 'yyyy-MM-dd HH:mm:ssZZ', 'dd.MM.yyyy HH:mm', "yyyy-MM-dd'T'HH:mm"];
    expect(problemsOf({ dateFormats: formats })).toEqual([]);
  });

  it('refuses a format luxon cannot read back, naming it by its place', () => {
    expect(problemsOf({ dateFormats: ['iso', 'totally not a format', 'yyyy-MM-dd', 'HH:mm a'] })).toEqual([
      expect.stringMatching(/^city\.yaml: dateFormats\.1: "totally not a format": "ll" is no luxon token/),
      expect.stringMatching(/^city\.yaml: dateFormats\.3: "HH:mm a": luxon cannot read back .*"17:45 PM"/),
    ]);
  });

  it.each([
    ['yyyy-mm-dd', '"mm" is minutes in luxon and the format has no hour; did you mean "MM" (month)?'],
    ['mm/dd/yyyy', 'did you mean "MM"'],
    ['YYYY-MM-dd', 'did you mean "yyyy" (year)?'],
    ['yyyy-MM-DD', 'did you mean "dd" (day of the month)?'],
    ['MM/dd/yyyy hh:mm A', 'luxon writes AM/PM as "a"'],
    ['yyyy-MM-dd HH:mm:ss.SSSSSS', 'as "u"'],
  ])('flags %s, which luxon reads otherwise than meant', (format, hint) => {
    const problems = problemsOf({ dateFormats: [format] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`dateFormats.0: "${format}": `);
    expect(problems[0]).toContain(hint);
  });

  it.each(["yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "yyyy-MM-dd HH:mm' UTC'", "dd/MM/yyyy HH:mm '+00:00'"])(
    'refuses %s, whose quoted zone would be read as wall time in the mapping zone',
    (format) => {
      const problems = problemsOf({ dateFormats: [format] });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`dateFormats.0: "${format}": `);
      expect(problems[0]).toContain('give the keyword iso');
    },
  );

  it('names every misread token of one format at once, so it is mended in one edit', () => {
    const [moment, zoned] = problemsOf({ dateFormats: ['YYYY-MM-DD hh:mm:ss A', "YYYY-MM-dd HH:mm'Z'"] });
    expect(moment).toMatch(/"YYYY" .*did you mean "yyyy".*; also "DD" .*did you mean "dd".*; also "A" .*"a"$/);
    expect(zoned).toMatch(/"YYYY" .*did you mean "yyyy".*; also 'Z' names the zone/);
  });

  it('leaves mm alone where the format has an hour', () => {
    expect(problemsOf({ dateFormats: ['dd/MM/yyyy H:mm', 'h:mm a'] })).toEqual([]);
  });
});
