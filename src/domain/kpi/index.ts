export * from './types.ts';
export { computeKpis, isDuplicate, isExcludedFromSla, verdict } from './compute.ts';
export { monthTester, parseMonth, type Month } from './month.ts';
export { nearestRank, percent, roundTo } from './stats.ts';
