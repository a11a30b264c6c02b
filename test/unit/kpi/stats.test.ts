import { describe, expect, it } from 'vitest';
import { nearestRank, percent, roundTo } from '../../../src/domain/kpi/index.ts';

describe('KPI arithmetic', () => {
  it('takes nearest-rank percentiles: always an observed value, the lower middle for an even count', () => {
    const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(nearestRank(ten, 50)).toBe(5);
    expect(nearestRank(ten, 90)).toBe(9);
    expect(nearestRank(ten, 100)).toBe(10);
    expect(nearestRank([4], 90)).toBe(4);
    expect(nearestRank([], 50)).toBeNull();
    // ceil(0.9 × 20) = 18 exactly, not 19 through float error.
    expect(nearestRank([...Array(20).keys()], 90)).toBe(17);
    expect(() => nearestRank([1], 0)).toThrow(/percentile/);
  });

  it('rounds half away from zero and reads a decimal the way it is written', () => {
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(17.875, 2)).toBe(17.88);
    expect(roundTo(2 / 3, 2)).toBe(0.67);
    expect(roundTo(-0.001, 2)).toBe(0);
    expect(Object.is(roundTo(-0.001, 2), 0)).toBe(true);
  });

  it('gives percentages with one decimal, null for an empty population', () => {
    expect(percent(2, 3)).toBe(66.7);
    expect(percent(1, 8)).toBe(12.5);
    expect(percent(0, 4)).toBe(0);
    expect(percent(0, 0)).toBeNull();
  });
});
