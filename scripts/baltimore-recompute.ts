/**
 * Recomputes Baltimore's "% closed on time" under closeloop's KPI definition (the current version;
 * the sample's figures are the same under v1 and v2) and prints how it differs from the naive
 * dashboard figure. Usage: node scripts/baltimore-recompute.ts [csv]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { calendarDefinitionSchema } from '../src/config/sla-schema.ts';
import { createCalendar } from '../src/domain/sla/index.ts';
import { recompute } from './baltimore/recompute.ts';
import { render } from './baltimore/report.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const csvPath = process.argv[2] ?? path.resolve(repoRoot, 'data/baltimore_311_sample_10k.csv');
const calendarFile = path.join(repoRoot, 'config/calendars/baltimore.yaml');

const calendar = createCalendar(calendarDefinitionSchema.parse(parse(readFileSync(calendarFile, 'utf8'))));
process.stdout.write(`${render(recompute(readFileSync(csvPath, 'utf8'), calendar))}\n`);
