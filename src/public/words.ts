import { DateTime } from 'luxon';
import type { ClosureReason, TicketLifecycleState } from '../domain/types.ts';
import type { Count } from './figures.ts';

/** Each state in the words a resident would use. */
export const STATE_WORDS: Readonly<Record<TicketLifecycleState, string>> = {
  NEW: 'Received',
  ROUTED: 'Sent to the department',
  ACCEPTED: 'Accepted by the department',
  ASSIGNED: 'Assigned to a crew',
  SCHEDULED: 'Scheduled',
  IN_PROGRESS: 'Work in progress',
  ON_HOLD: 'On hold',
  RESOLVED: 'Done',
  DUPLICATE: 'Handled with another request',
  CANCELLED: 'Cancelled',
  REOPENED: 'Reopened',
};

export const CLOSURE_WORDS: Readonly<Record<ClosureReason, string>> = {
  WORK_COMPLETED: 'The work was done.',
  NO_ACTION_REQUIRED: 'No action was needed.',
  DUPLICATE: 'It was handled together with an earlier request about the same problem.',
  FOLLOW_UP: 'It was handled together with the original request.',
  CANCELLED_BY_REQUESTOR: 'It was cancelled at the request of the person who reported it.',
  REFERRED_EXTERNAL: 'It was passed to another agency, which is responsible for it.',
};

/**
 * An instant shown in the city's zone; null for none, and for a number no date can hold (a CRM's
 * time in the wrong unit, say): the page then leaves the time out instead of failing or writing
 * "Invalid DateTime".
 */
function shown(ms: number | null, zone: string, format: string): string | null {
  if (ms === null) return null;
  const at = DateTime.fromMillis(ms, { zone });
  return at.isValid ? at.toFormat(format) : null;
}

export function dateTime(ms: number | null, zone: string): string | null {
  return shown(ms, zone, 'd LLL yyyy, HH:mm');
}

export function day(ms: number | null, zone: string): string | null {
  return shown(ms, zone, 'cccc d LLLL yyyy');
}

export function monthName(month: string): string {
  return DateTime.fromFormat(month, 'yyyy-MM', { zone: 'UTC' }).toFormat('LLLL yyyy');
}

export function percentText(pct: number | null): string {
  return pct === null ? 'no requests due' : `${pct.toFixed(1)} %`;
}

/** Characters as a reader counts them; the segmentation of graphemes does not vary by locale. */
const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * A label of at most `max` characters, cut with an ellipsis. Counted in graphemes, not UTF-16
 * units: a cut through an emoji (two units, or several joined) or between a letter and its accent
 * would leave half a character, which the page shows as U+FFFD.
 */
export function shortLabel(label: string, max: number): string {
  const characters = Array.from(GRAPHEMES.segment(label), (g) => g.segment);
  return characters.length > max ? `${characters.slice(0, max - 1).join('')}…` : label;
}

/** How many characters a bar chart's label may have beside its bar. */
export const BAR_LABEL_MAX = 34;

export interface Bar {
  readonly label: string;
  /** The label as drawn beside the bar (the table beside the chart has it whole). */
  readonly short: string;
  readonly count: number;
  readonly y: number;
  readonly width: number;
}

export interface BarChart {
  readonly bars: readonly Bar[];
  readonly height: number;
  readonly max: number;
}

/** Horizontal bars, scaled to the largest; the template draws them as SVG beside a data table. */
export function barChart(counts: readonly Count[], barSpace = 240, rowHeight = 28): BarChart {
  const max = Math.max(1, ...counts.map((c) => c.count));
  return {
    bars: counts.map((c, i) => ({
      label: c.label,
      short: shortLabel(c.label, BAR_LABEL_MAX),
      count: c.count,
      y: i * rowHeight,
      width: Math.max(c.count > 0 ? 2 : 0, Math.round((c.count / max) * barSpace)),
    })),
    height: Math.max(rowHeight, counts.length * rowHeight),
    max,
  };
}

export interface Column {
  readonly label: string;
  readonly count: number;
  readonly x: number;
  readonly y: number;
  readonly height: number;
}

/** Vertical columns for the 12-month trend. */
export function columnChart(counts: readonly Count[], plotHeight = 160, columnWidth = 44): Column[] {
  const max = Math.max(1, ...counts.map((c) => c.count));
  return counts.map((c, i) => {
    const height = Math.round((c.count / max) * plotHeight);
    return { label: c.label, count: c.count, x: i * columnWidth, y: plotHeight - height + 20, height };
  });
}
