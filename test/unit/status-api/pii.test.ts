import { describe, expect, it } from 'vitest';
import { REDACTED, scrubPii } from '../../../src/status-api/index.ts';

// More cases next to the first ones in georeport.test.ts ("contact data scrubbing").

describe('e-mail addresses staff paste into notes', () => {
  it.each([
    ['Reply sent to josé.núñez@correo.es today', 'Reply sent to [redacted] today'],
    ['Owner müller@straße.de called', 'Owner [redacted] called'],
    ['Decomposed accent: jose\u0301@example.org', 'Decomposed accent: [redacted]'],
    ['IDN 用户@例子.广告 and Cyrillic иван@пример.рф', 'IDN [redacted] and Cyrillic [redacted]'],
    ['Punycode ivan@xn--e1afmkfd.xn--p1ai', 'Punycode [redacted]'],
    ["Tenant o'brien@example.ie", 'Tenant [redacted]'],
    ["Quoted 'bob@example.com' in the form", `Quoted '[redacted]' in the form`],
    ['Write to a.b@example.com.', 'Write to [redacted].'],
    ['Full-width ada＠example.org here', 'Full-width [redacted] here'],
  ])('redacts %j', (text, expected) => expect(scrubPii(text)).toBe(expected));

  it.each([
    ['Contact name [at] example [dot] com please', 'Contact [redacted] please'],
    ['Contact name(at)example.com please', 'Contact [redacted] please'],
    ['Contact JOHN {AT} EXAMPLE (DOT) COM please', 'Contact [redacted] please'],
    ['Contact jane [dot] doe [at] mail [dot] example [dot] org please', 'Contact [redacted] please'],
    ['Contact josé <at> correo.es please', 'Contact [redacted] please'],
  ])('redacts the obfuscated %j', (text, expected) => expect(scrubPii(text)).toBe(expected));

  it('keeps bracketed "at" that is not followed by a domain', () => {
    for (const text of ['Crew [at] site tomorrow', 'Meet (at) 5.30 by the gate']) expect(scrubPii(text)).toBe(text);
  });
});

describe('phone numbers staff paste into notes', () => {
  it.each([
    '780 496 1234',
    '780  496  1234',
    '780 - 496 - 1234',
    '780.496.1234',
    '(780)496-1234',
    '(780) 496-1234',
    '+1-780-496-1234',
    '+1 (780) 496-1234',
    '1 (780) 496-1234',
    '1-780-496-1234',
    '1.780.496.1234',
    '780\u2013496\u20131234',
    '780-496-1234 ext. 12',
    '780-496-1234 ext 12',
    '780-496-1234, extension 4401',
    '780-496-1234x12',
    '496-1234 x 7',
    '+44 (0)20 7946 0958',
    '+44 20 7946 0958',
    '+447946095812',
    '0044 20 7946 0958',
    '0044-20-7946-0958',
    '+33 1 23 45 67 89',
    '+49 30 901820',
  ])('redacts %j whole', (phone) => {
    expect(scrubPii(`Call ${phone} on arrival`)).toBe(`Call ${REDACTED} on arrival`);
    expect(scrubPii(`(${phone})`)).toBe(`(${REDACTED})`);
    expect(scrubPii(`Number: ${phone}.`)).toBe(`Number: ${REDACTED}.`);
  });

  it('redacts every number in a note and leaves the words between them', () => {
    expect(scrubPii('Home 780.496.1234, work +44 (0)20 7946 0958 ext. 3; mobile (780)496-1234.')).toBe(
      'Home [redacted], work [redacted]; mobile [redacted].',
    );
  });
});

describe('what must survive scrubbing', () => {
  it.each([
    'Inspected 2026-10-05.',
    'Inspected 2026-10-05T14:03:00Z by crew 7.',
    'Inspected 2026-10-05 14:30, back 2026-10-12.',
    'Duplicate of SR-2026-001234.',
    'See WO-10482 and WO-2026-000123.',
    'Crew arrives at 14:30.',
    'Expect 5 business days.',
    'Pothole outside 1200 N Charles St.',
    'Near 10111 104 Ave NW.',
    'Repair cost $1,250.00 (est. $12,500.00 for the block).',
    'Location 53.5461, -113.4938.',
    'Score +5 10 20 on the inspection.',
    'Ticket #780-4961 noted.',
  ])('keeps %j', (text) => expect(scrubPii(text)).toBe(text));

  it('keeps the dates and ids around a redacted number', () => {
    expect(scrubPii('SR-2026-001234: on 2026-10-05 at 14:30 call 780-496-1234 re WO-10482 ($1,250.00).')).toBe(
      'SR-2026-001234: on 2026-10-05 at 14:30 call [redacted] re WO-10482 ($1,250.00).',
    );
  });

  it('stays fast on long text without a match', () => {
    const started = performance.now();
    scrubPii(`${'a'.repeat(50_000)} ${'a.'.repeat(25_000)} ${'1-'.repeat(25_000)}`);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('the quick pass over text that cannot hold contact data', () => {
  it('still finds the shortest phone number a pattern takes (five digits after "00")', () => {
    expect(scrubPii('call 001 1 1')).toBe(`call ${REDACTED}`);
  });

  it('still finds addresses and numbers written only in fullwidth forms', () => {
    expect(scrubPii('ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toBe(REDACTED);
    expect(scrubPii('call ４１０-５５５-０１９９')).toBe(`call ${REDACTED}`);
  });

  it('returns text with no "@", no bracket and under five digits as it is', () => {
    for (const text of ['Crew scheduled by DPW', 'Work order 1234 done', 'Café fermé — réouverture lundi'])
      expect(scrubPii(text)).toBe(text);
  });
});
