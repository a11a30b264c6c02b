import { describe, expect, it } from 'vitest';
import { jurisdictionZone, runKpi } from '../../../src/cli/kpi-command.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';

// Arguments are checked before anything connects, so these need no broker.
const config = await loadConfig('config/closeloop.yaml', {});
const logger = createLogger({ level: 'silent' });

async function run(args: Parameters<typeof runKpi>[0]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKpi(
    args,
    config,
    logger,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err };
}

describe('closeloop kpi arguments', () => {
  it('exits 2 with the usage when --month is missing or not YYYY-MM', async () => {
    expect(await run({})).toMatchObject({
      code: 2,
      out: [],
      err: [expect.stringMatching(/^closeloop: CL_ARGUMENT_INVALID: --month is required/)],
    });
    for (const month of ['2026-13', '2026-1', 'October', '2026-10-01']) {
      const r = await run({ month });
      expect(r.code).toBe(2);
      expect(r.err.join('\n')).toMatch(/must be YYYY-MM.*\n.*usage: closeloop kpi --month YYYY-MM/);
    }
  });

  it('exits 2 when --now is not an instant', async () => {
    const r = await run({ month: '2026-10', now: 'yesterday' });
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/^closeloop: CL_ARGUMENT_INVALID: --now must be an ISO 8601 instant/);
  });

  it("cuts months in the zone of the default SLA policy's calendar, else in UTC", () => {
    expect(jurisdictionZone(config)).toBe('America/New_York');
    expect(jurisdictionZone({ ...config, policy: { ...config.policy, sla: null } })).toBe('UTC');
  });
});
