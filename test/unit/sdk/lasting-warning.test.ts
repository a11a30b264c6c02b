import { describe, expect, it } from 'vitest';
import { cutForWarning, LastingWarning, quotedValue, WARN_FOR_MS } from '../../../src/sdk/index.ts';

describe('what a source warning quotes of a value it could not read', () => {
  it('scrubs contact data someone typed into it, before and across the cut', () => {
    const typed = 'after owner Jane calls back 410-555-0199 or mails jane.roe@example.org';
    const quoted = quotedValue(typed);
    expect(quoted).not.toMatch(/555-0199|jane\.roe/);
    expect(quoted).toMatch(/^"after owner Jane calls back \[redacted\]/);
    // A phone straddling the 60th character is scrubbed whole, not cut into a part the scrubber misses.
    const straddling = `${'x'.repeat(52)} 410-555-0199 and more text after it`;
    expect(cutForWarning(straddling)).toBe(`${'x'.repeat(52)} [redact...`);
    expect(cutForWarning(straddling)).not.toContain('410');
  });

  it('cuts after 60 characters, and says so, however long the text', () => {
    expect(cutForWarning('2024-13-45')).toBe('2024-13-45');
    expect(cutForWarning('y'.repeat(60))).toBe('y'.repeat(60));
    expect(cutForWarning('y'.repeat(61))).toBe(`${'y'.repeat(60)}...`);
    expect(cutForWarning('y'.repeat(100_000))).toBe(`${'y'.repeat(60)}...`);
    expect(quotedValue({ at: 'soon' })).toBe('{"at":"soon"}');
  });

  it('lasts WARN_FOR_MS after the last loss, counting the losses', () => {
    const w = new LastingWarning('CL_SOURCE_DATE_UNREAD');
    w.note((n) => `lost ${n}`, 0);
    w.note((n) => `lost ${n}`, 10);
    expect(w.warnings(WARN_FOR_MS)).toEqual([{ code: 'CL_SOURCE_DATE_UNREAD', detail: 'lost 2' }]);
    expect(w.warnings(WARN_FOR_MS + 11)).toEqual([]);
  });
});
