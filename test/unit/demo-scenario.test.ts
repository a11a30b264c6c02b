import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../demo/scenario.ts';

describe('the demo scenario from the Baltimore sample', () => {
  it('takes channel, address and coordinates from the real rows', async () => {
    const requests = await loadScenario('data/baltimore_311_sample_10k.csv', 200);
    expect(requests).toHaveLength(200);
    const channels = new Set(requests.map((r) => r.channel));
    expect([...channels].every((c) => c === null || /^[A-Za-z /]+$/.test(c))).toBe(true);
    expect(channels.has('Phone')).toBe(true);
    expect(requests.filter((r) => r.address !== null).length).toBeGreaterThan(150);
    for (const r of requests.filter((x) => x.latitude !== null)) {
      // Baltimore, not the whole-degree placeholder (39, -77) some records carry.
      expect(r.latitude).toBeGreaterThan(39.1);
      expect(r.latitude).toBeLessThan(39.5);
      expect(r.longitude).toBeGreaterThan(-76.8);
      expect(r.longitude).toBeLessThan(-76.4);
    }
    expect(requests.some((r) => r.latitude !== null)).toBe(true);
    expect(requests[0]?.serviceName).not.toMatch(/^[A-Z]+-/);
  });
});
