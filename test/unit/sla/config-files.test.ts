import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';

const BASE = `jurisdiction: x
kafka: { brokers: ['127.0.0.1:9092'] }
schemaRegistry: { url: 'http://127.0.0.1:8081' }
statusMappings: [${path.resolve('config/status-mappings/maximo.yaml')}]
routing: { services: { POTHOLE: [{ department: roads, system: maximo }] } }
`;

async function configWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-sla-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return path.join(dir, 'closeloop.yaml');
}

const problemsOf = async (file: string): Promise<string> => {
  const err = (await loadConfig(file, {}).catch((e: unknown) => e)) as CloseloopError;
  expect(err).toBeInstanceOf(CloseloopError);
  expect(err.code).toBe('CL_CONFIG_INVALID');
  return err.message;
};

describe('the sla section of closeloop.yaml', () => {
  it('loads the shipped calendars and policies', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    const sla = config.policy.sla;
    expect(sla?.policyFor('SR-HIGH-GRASS')?.completion).toEqual({ amount: 15, unit: 'business_days' });
    expect(sla?.policyFor('SR-UNKNOWN')?.name).toBe('default');
    expect(sla?.calendarNamed('edmonton')?.timeZone).toBe('America/Edmonton');
    expect(config.processor.slaCheckIntervalMs).toBe(60_000);
  });

  it('runs no clocks without the section', async () => {
    const config = await loadConfig(await configWith({ 'closeloop.yaml': BASE }), {});
    expect(config.policy.sla).toBeNull();
  });

  it('reports every problem of every file at once, with the file it is in', async () => {
    const file = await configWith({
      'closeloop.yaml': `${BASE}sla: { calendars: [cal.yaml, missing.yaml], policies: pol.yaml }\n`,
      'cal.yaml': 'name: city\ntimeZone: Mars/Olympus\n',
      'pol.yaml':
        'POTHOLES: { calendar: city, response: 2 business_days, completion: 5 business_days }\n' +
        'POTHOLE: { calendar: city, response: 2 weeks, completion: 5 business_days }\n',
    });
    const message = await problemsOf(file);
    expect(message).toMatch(/cal\.yaml: timeZone: "Mars\/Olympus" is not an IANA time zone/);
    expect(message).toMatch(/missing\.yaml: ENOENT/);
    expect(message).toMatch(/pol\.yaml: POTHOLE\.response/);
    expect(message).toMatch(/pol\.yaml: POTHOLES: not a service code of routing\.services/);
  });

  it('refuses a policy on a calendar that is not listed', async () => {
    const file = await configWith({
      'closeloop.yaml': `${BASE}sla: { calendars: [cal.yaml], policies: pol.yaml }\n`,
      'cal.yaml': 'name: city\ntimeZone: America/Chicago\n',
      'pol.yaml': 'default: { calendar: town, response: 2 business_days, completion: 5 business_days }\n',
    });
    expect(await problemsOf(file)).toContain(
      'policy default uses calendar "town", which is not defined (defined: city)',
    );
  });

  it('refuses a calendar with no business days that a policy counts business days on', async () => {
    const file = await configWith({
      'closeloop.yaml': `${BASE}sla: { calendars: [cal.yaml], policies: pol.yaml }\n`,
      'cal.yaml': "name: closed\ntimeZone: UTC\nholidays: { rules: [{ rule: '01-01 P366D', name: Closed }] }\n",
      'pol.yaml': 'POTHOLE: { calendar: closed, response: 48 calendar_hours, completion: 5 business_days }\n',
    });
    const message = await problemsOf(file);
    expect(message).toMatch(
      /pol\.yaml: POTHOLE\.completion: 5 business_days can never fall due: calendar "closed" \(.*cal\.yaml\) has fewer business days/,
    );
    expect(message).not.toContain('POTHOLE.response');
  });

  it('refuses a calendar that closes every day only from a later year, not at its first decision then', async () => {
    const year = new Date().getUTCFullYear() + 1;
    const file = await configWith({
      'closeloop.yaml': `${BASE}sla: { calendars: [cal.yaml], policies: pol.yaml }\n`,
      'cal.yaml': `name: closing\ntimeZone: UTC\nholidays: { rules: [{ rule: '07-01 P366D since ${year}', name: Closed }] }\n`,
      'pol.yaml': 'POTHOLE: { calendar: closing, response: 2 business_days, completion: 5 business_days }\n',
    });
    const message = await problemsOf(file);
    expect(message).toContain(
      `POTHOLE.completion: 5 business_days can never fall due: calendar "closing" (${path.join(path.dirname(file), 'cal.yaml')}) has fewer business days in the 10980 days from ${year}-07-01`,
    );
    expect(message).toMatch(/POTHOLE\.response: 2 business_days can never fall due/);
  });

  it('refuses a hold reason on a code that does not put work on hold', async () => {
    const file = await configWith({
      'closeloop.yaml': BASE.replace(/statusMappings: .*\n/, 'statusMappings: [m.yaml]\n'),
      'm.yaml': 'system: maximo\nknownCodes: [A]\ncodes: { A: { state: ACCEPTED, holdReason: WEATHER } }\n',
    });
    expect(await problemsOf(file)).toContain('codes.A.holdReason: only an ON_HOLD code has a hold reason');
  });

  it('refuses a pause reason that no status mapping gives, which could never pause a clock', async () => {
    const file = await configWith({
      'closeloop.yaml': `${BASE}sla: { calendars: [cal.yaml], policies: pol.yaml }\n`,
      'cal.yaml': 'name: city\ntimeZone: America/Chicago\n',
      'pol.yaml':
        'POTHOLE: { calendar: city, response: 2 business_days, completion: 5 business_days, pauseReasons: [PARTS, WEATHR] }\n',
    });
    const message = await problemsOf(file);
    expect(message).toContain(
      'POTHOLE.pauseReasons: no status mapping gives the hold reason WEATHR (mapped: PARTS, SITE_CONDITION)',
    );
    expect(message).not.toContain('reason PARTS');
  });
});
