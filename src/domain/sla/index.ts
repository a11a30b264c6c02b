export * from './types.ts';
export { addBusinessDays, addCalendarHours, businessDaysBetween, createCalendar, dueAt } from './calendar.ts';
export {
  MAX_CLOSED_PAUSES,
  isPaused,
  markResolved,
  markResponded,
  pauseClock,
  resumeClock,
  startClock,
  withoutResponse,
  type PauseResult,
} from './clock.ts';
export { checkBreaches, completionElapsed, type SlaBreach } from './breaches.ts';
export { regionProblem, ruleProblem, typesProblem, type RegionProblem } from './holidays.ts';
export { parseDate } from './days.ts';
