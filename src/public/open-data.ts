import { csvText } from '../kpi/csv.ts';
import type { Count, MonthFigures } from './figures.ts';

/**
 * The month's figures as open data. The CSV is long ("tidy"): one figure per row, so that a new
 * measure adds rows, not columns, and every row carries its definition version and month.
 */
export const CSV_COLUMNS = ['month', 'definition_version', 'measure', 'category', 'value'] as const;

export function figuresCsv(f: MonthFigures): string {
  const rows: (string | number | null)[][] = [];
  const add = (measure: string, category: string, value: number | null) =>
    rows.push([f.month, f.definitionVersion, measure, category, value]);
  add('requests_received', 'all', f.received);
  add('requests_received', 'service', f.service);
  add('requests_received', 'information', f.information);
  add('requests_received', 'kind_not_recorded', f.unknownKind);
  add('median_days_to_close', 'all', f.medianDaysToClose);
  const counts = (measure: string, list: readonly Count[]) => {
    for (const c of list) add(measure, c.key, c.count);
  };
  counts('requests_by_department', f.byDepartment);
  counts('requests_by_channel', f.byChannel);
  counts('top_service_request_types', f.topService);
  counts('top_information_request_types', f.topInformation);
  for (const d of f.departments) {
    add('response_due', d.department, d.responseDue);
    add('responded_on_time', d.department, d.respondedOnTime);
    add('responded_on_time_pct', d.department, d.respondedOnTimePct);
    add('completion_due', d.department, d.completionDue);
    add('completed_on_time', d.department, d.completedOnTime);
    add('completed_on_time_pct', d.department, d.completedOnTimePct);
    add('resolved', d.department, d.resolved);
    add('median_calendar_days_to_resolve', d.department, d.medianCalendarDaysToResolve);
  }
  // A category is a CRM code or a department's name: csvText keeps a spreadsheet from running it.
  return csvText(rows, CSV_COLUMNS);
}

export function figuresJson(f: MonthFigures): string {
  return JSON.stringify(f, null, 2);
}
