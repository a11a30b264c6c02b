import { stringify } from 'csv-stringify/sync';

export type CsvValue = string | number | null;

/**
 * A cell as a spreadsheet will show it: as text. The CSVs carry names the CRM and the departments
 * chose (service codes, departments, channels), and a spreadsheet runs a cell that starts with
 * `=`, `+`, `-` or `@` as a formula (a tab or carriage return first is stripped by some, then the
 * rest is run), which could send the sheet's data to any address. Such a cell is prefixed with
 * `'`, which spreadsheets take as "text" and do not show. Numbers are left as they are.
 */
export function spreadsheetText(value: CsvValue): CsvValue {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** A CSV of these rows, every cell guarded, csv-stringify quoting what needs quoting. */
export function csvText(rows: readonly (readonly CsvValue[])[], columns: readonly string[]): string {
  return stringify(
    rows.map((r) => r.map(spreadsheetText)),
    { header: true, columns: [...columns] },
  );
}

/** One CSV record, guarded and quoted the same way, without its line end. */
export function csvLine(cells: readonly CsvValue[]): string {
  return stringify([cells.map(spreadsheetText)], { eof: false });
}
