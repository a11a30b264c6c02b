import { describe, expect, it, vi } from 'vitest';
import { fixtureSiteParts } from '../../support/public-site.ts';

/*
 * The months a page may ask for are the ones with figures: from the first request received (the
 * fixture's is in September 2026) to this month (November 2026). Every other month, and a
 * department no month knows, is refused before any figures are computed: each would otherwise be
 * a pass over every request, chosen afresh by whoever sends the request.
 */
function fixtureSite() {
  const { figures, site } = fixtureSiteParts();
  const month = vi.spyOn(figures, 'month');
  const trend = vi.spyOn(figures, 'trend');
  const get = (path: string) => site(new URL(path, 'http://city.example'));
  return { figures, get, computed: () => month.mock.calls.length + trend.mock.calls.length };
}

describe('the months and departments the pages show', () => {
  it('are from the first request received to this month', () => {
    expect(fixtureSite().figures.monthsShown()).toEqual({ first: '2026-09', last: '2026-11' });
  });

  it.each([
    '/departments/transportation?month=2026-08',
    '/departments/transportation?month=2011-07',
    '/departments/transportation?month=2026-12',
    '/departments/transportation?month=9999-12',
    '/departments/transportation?month=0000-01',
    '/departments/nobody?month=1987-02',
    '/performance?month=1999-01',
    '/performance.csv?month=2040-05',
    '/performance.json?month=0000-01',
  ])('%s is refused as a month without figures, before computing any', (path) => {
    const { get, computed } = fixtureSite();
    const page = get(path);
    expect(page?.status).toBe(400);
    expect(page?.contentType).toBe('text/html; charset=utf-8');
    expect(page?.body).toContain('That is not a month we can show');
    expect(page?.body).toContain('September 2026');
    expect(computed()).toBe(0);
  });

  it('offers only those months in the month filter', () => {
    const body = fixtureSite().get('/performance')?.body ?? '';
    expect([...body.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1])).toEqual(['2026-11', '2026-10', '2026-09']);
  });

  it.each(['2026-09', '2026-10', '2026-11'])('shows the performance of %s', (month) => {
    expect(fixtureSite().get(`/performance?month=${month}`)?.status).toBe(200);
  });

  // Its figures start in October: September's request went to no department.
  it.each(['2026-10', '2026-11'])('shows a department in %s', (month) => {
    expect(fixtureSite().get(`/departments/transportation?month=${month}`)?.status).toBe(200);
  });

  it('refuses a department no month knows before computing any month', () => {
    const { get, computed } = fixtureSite();
    const page = get('/departments/nobody?month=2026-10');
    expect(page?.status).toBe(404);
    expect(computed()).toBe(0);
  });
});
