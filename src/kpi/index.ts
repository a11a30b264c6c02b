export {
  departmentOf,
  ticketFromStatus,
  violationFromQuarantine,
  type StatusRead,
  type ViolationRead,
} from './from-status.ts';
export { readKpiInputs, type KpiInputs, type ReadInputsOptions } from './read-inputs.ts';
export { KpiTicketFold } from './ticket-fold.ts';
export { runKpiJob, type KpiJobOptions, type KpiJobResult } from './job.ts';
export { kpiKey, publishMonth, type Published } from './publish.ts';
export { NONE, formatKpiTable, type TableFooter } from './table.ts';
