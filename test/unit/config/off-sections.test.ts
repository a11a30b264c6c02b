import { appendFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { testConfig } from '../../support/processor.ts';

/** A test config (absolute paths, no sentinel or statusApi section) with more sections after it. */
async function configWith(extra: string): Promise<string> {
  const { file } = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: 'http://127.0.0.1:1' });
  await appendFile(file, `\n${extra}`);
  return file;
}

async function problemsOf(file: string): Promise<string[]> {
  const err = await loadConfig(file, {}).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloseloopError);
  expect(err).toMatchObject({ code: 'CL_CONFIG_INVALID' });
  return (err as CloseloopError).details['problems'] as string[];
}

const EMPTY_SENTINEL = 'sentinel:\n  # stateLimitsMinutes: { ON_HOLD: 20160 }   # to do: agree with Housing\n';
const EMPTY_RATE_LIMIT = 'statusApi:\n  port: 8311\n  rateLimit:\n    # points: 30\n';

describe('a section that turns a safeguard off', () => {
  it('left empty (its body commented out) or null, is refused saying how to turn it off or keep the defaults', async () => {
    for (const [text, at, name] of [
      [EMPTY_SENTINEL, 'sentinel', 'sentinel'],
      ['sentinel: null\n', 'sentinel', 'sentinel'],
      [EMPTY_RATE_LIMIT, 'statusApi.rateLimit', 'rateLimit'],
    ] as const) {
      const file = await configWith(text);
      expect(await problemsOf(file)).toEqual([
        `${file}: ${at}: empty (null): write \`${name}: off\` to turn ${name === 'sentinel' ? 'the stuck-ticket sentinel' : 'rate limiting'} off, ` +
          `or give its settings (leave the section out, or write \`${name}: {}\`, for the defaults)`,
      ]);
    }
  });

  it('is off only when written off, and has its defaults when left out or given as {}', async () => {
    const off = await loadConfig(await configWith('sentinel: off\nstatusApi: { rateLimit: off }\n'), {});
    expect(off.policy.sentinel).toBeNull();
    expect(off.statusApi?.rateLimit).toBeNull();
    for (const extra of ['statusApi: {}\n', 'sentinel: {}\nstatusApi: { rateLimit: {} }\n']) {
      const on = await loadConfig(await configWith(extra), {});
      expect(on.policy.sentinel?.stateLimitsMinutes).toEqual({ ROUTED: 15, NEW: 60 });
      expect(on.statusApi?.rateLimit).toEqual({ points: 60, durationSeconds: 60 });
    }
  });

  it('given anything else than off or its settings is refused, and its own settings keep their problems', async () => {
    const file = await configWith('sentinel: of\nstatusApi: { rateLimit: { points: 0, poins: 3 } }\n');
    expect(await problemsOf(file)).toEqual([
      `${file}: sentinel: \`off\` or a mapping of its settings, not "of"`,
      `${file}: statusApi.rateLimit.points: Too small: expected number to be >=1`,
      `${file}: statusApi.rateLimit: Unrecognized key: "poins"; the keys here are points, durationSeconds`,
    ]);
  });
});

describe('a single setting that turns a safeguard off', () => {
  // An empty value (the number deleted) read as null once switched the setting off unsaid.
  it('left empty (null) is refused at its path, saying to write off, a number, or leave it out for its default', async () => {
    const file = await configWith(
      [
        'sentinel:',
        '  stateLimitsMinutes: { NEW: null, ON_HOLD: null }',
        '  statusUnconfirmedMinutes:',
        '  workOrderSilenceMinutes: null',
        '  expectedOverdueMinutes:',
        'reconcile:',
        '  intervalMinutes:',
        '',
      ].join('\n'),
    );
    const say = (at: string, otherwise: string): string =>
      `${file}: ${at}: empty (null): write \`off\` to turn it off, or a number (leave it out for the default, ${otherwise})`;
    expect(await problemsOf(file)).toEqual([
      say('sentinel.stateLimitsMinutes.NEW', '60'),
      say('sentinel.stateLimitsMinutes.ON_HOLD', 'off'),
      say('sentinel.statusUnconfirmedMinutes', '5'),
      say('sentinel.workOrderSilenceMinutes', '43200'),
      say('sentinel.expectedOverdueMinutes', '1440'),
      say('reconcile.intervalMinutes', 'off'),
    ]);
  });

  it('is off only when written off, set by a number, and has its default when left out', async () => {
    const off = await loadConfig(
      await configWith(
        [
          'sentinel:',
          '  stateLimitsMinutes: { NEW: off }',
          '  statusUnconfirmedMinutes: off',
          '  workOrderSilenceMinutes: off',
          '  expectedOverdueMinutes: off',
          'reconcile: { intervalMinutes: off }',
          '',
        ].join('\n'),
      ),
      {},
    );
    expect(off.policy.sentinel).toEqual({
      stateLimitsMinutes: { ROUTED: 15 },
      statusUnconfirmedMinutes: null,
      workOrderSilenceMinutes: null,
      expectedOverdueMinutes: null,
    });
    expect(off.reconcile.intervalMinutes).toBeNull();
    const set = await loadConfig(
      await configWith('sentinel: { statusUnconfirmedMinutes: 7 }\nreconcile: { intervalMinutes: 60 }\n'),
      {},
    );
    expect(set.policy.sentinel).toEqual({
      stateLimitsMinutes: { ROUTED: 15, NEW: 60 },
      statusUnconfirmedMinutes: 7,
      workOrderSilenceMinutes: 43_200,
      expectedOverdueMinutes: 1_440,
    });
    expect(set.reconcile.intervalMinutes).toBe(60);
    expect((await loadConfig(await configWith('reconcile: {}\n'), {})).reconcile.intervalMinutes).toBeNull();
  });

  it('given anything else than off or a number is refused, and a number keeps its bounds', async () => {
    const file = await configWith(
      'sentinel:\n  statusUnconfirmedMinutes: "5"\n  stateLimitsMinutes: { NEW: of, ROUTED: 0 }\nreconcile: { intervalMinutes: 20000 }\n',
    );
    expect(await problemsOf(file)).toEqual([
      `${file}: sentinel.stateLimitsMinutes.NEW: \`off\` or a number, not "of"`,
      `${file}: sentinel.stateLimitsMinutes.ROUTED: Too small: expected number to be >0`,
      `${file}: sentinel.statusUnconfirmedMinutes: \`off\` or a number, not "5"`,
      `${file}: reconcile.intervalMinutes: Too big: expected number to be <=10080`,
    ]);
  });
});
