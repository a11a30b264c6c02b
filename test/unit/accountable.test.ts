import { describe, expect, it } from 'vitest';
import { accountableFor } from '../../src/domain/index.ts';

describe('who an alert names as accountable', () => {
  it('is the department role, or the 311 desk (its own role when configured) for no department', () => {
    const policy = { accountable: { housing: 'Housing duty manager', '311': '311 shift lead' } };
    expect(accountableFor(policy, 'housing')).toBe('Housing duty manager');
    expect(accountableFor(policy, null)).toBe('311 shift lead');
    expect(accountableFor({}, null)).toBe('311 service desk');
    expect(accountableFor(policy, 'parks')).toBeNull();
  });

  it('reads configured roles only, never what every object inherits', () => {
    expect(accountableFor({ accountable: {} }, 'constructor')).toBeNull();
    expect(accountableFor({ accountable: { constructor: 'Builder' } }, 'constructor')).toBe('Builder');
  });
});
