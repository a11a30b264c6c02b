export * from './types.ts';
export {
  MAX_SCAN_DAYS,
  addBusinessDays,
  addCalendarHours,
  businessDaysBetween,
  createCalendar,
  dueAt,
} from './calendar.ts';
export {
  LINKED,
  MAX_CLOSED_PAUSES,
  endPause,
  isLinked,
  isPaused,
  linkClock,
  markResolved,
  markResponded,
  pauseClock,
  releaseRetired,
  resolveLinked,
  resumeClock,
  stampResolved,
  startClock,
  unlinkClock,
  withoutResponse,
  type PauseResult,
} from './clock.ts';
export { checkBreaches, completionElapsed, completionVerdictAt, judgedBreaches, type SlaBreach } from './breaches.ts';
export { regionProblem, ruleProblem, typesProblem, type RegionProblem } from './holidays.ts';
export { parseDate } from './days.ts';
