import { describe, expect, it } from 'vitest';
import { barChart, BAR_LABEL_MAX, shortLabel } from '../../../src/public/words.ts';
import { fact, MONTH } from '../../support/public-fixture.ts';
import { fixtureSiteParts } from '../../support/public-site.ts';

/*
 * Chart labels are cut to fit beside their bars. Cut in UTF-16 units, an emoji (two units, or
 * several joined) or a letter with a combining accent is split, and the page shows U+FFFD.
 */
const CAR = 'Abandoned vehicle blocking the d🚗 (car)'; // the emoji is units 32 and 33
const FAMILY = `${'x'.repeat(32)}👩‍👩‍👧 family`;
const ACCENT = `${'x'.repeat(32)}e\u0301 accent`;

describe('a chart label cut to fit', () => {
  it('keeps whole characters: emoji, joined emoji and accents', () => {
    expect(shortLabel(CAR, BAR_LABEL_MAX)).toBe('Abandoned vehicle blocking the d🚗…');
    expect(shortLabel(FAMILY, BAR_LABEL_MAX)).toBe(`${'x'.repeat(32)}👩‍👩‍👧…`);
    expect(shortLabel(ACCENT, BAR_LABEL_MAX)).toBe(`${'x'.repeat(32)}e\u0301…`);
  });

  it('leaves a label that fits as it is, however many UTF-16 units it has', () => {
    const fits = `${'🚗'.repeat(BAR_LABEL_MAX)}`;
    expect(shortLabel(fits, BAR_LABEL_MAX)).toBe(fits);
    expect(shortLabel('Pothole', BAR_LABEL_MAX)).toBe('Pothole');
  });

  it('is what a bar chart draws, the table beside it keeping the whole label', () => {
    const [bar] = barChart([{ key: 'CAR', label: CAR, count: 1 }]).bars;
    expect(bar).toMatchObject({ label: CAR, short: 'Abandoned vehicle blocking the d🚗…' });
  });

  it('shows on the performance page with no half character', () => {
    const { facts, site } = fixtureSiteParts();
    facts.apply(fact('CAR1', { serviceCode: 'ABANDONED', serviceName: CAR, requestedAt: Date.UTC(2026, 9, 12, 14) }));
    const page = site(new URL(`/performance?month=${MONTH}`, 'http://city.example'));
    expect(page?.status).toBe(200);
    expect(page?.body).toContain('>Abandoned vehicle blocking the d🚗…</text>');
    expect(page?.body).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\uFFFD/);
  });
});
