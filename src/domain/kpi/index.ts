export * from './types.ts';
export {
  completionVerdict,
  computeKpis,
  duplicatePlacedAt,
  excludedAtDue,
  figuresChangeAt,
  isDuplicate,
  isDuplicateView,
  isExcludedFromSla,
  isExcludedView,
  isFollowUp,
  judgedState,
  resolvedWithoutBusinessDays,
  verdict,
} from './compute.ts';
export {
  dueDayInstant,
  isProvisional,
  monthOfInstant,
  monthOpenIn,
  monthRange,
  monthTester,
  parseMonth,
  type Month,
} from './month.ts';
export { TOP_REQUEST_TYPES, volumeByMonth, type MonthVolume } from './volume.ts';
export { nearestRank, percent, roundTo } from './stats.ts';
