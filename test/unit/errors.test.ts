import { describe, expect, it } from 'vitest';
import { CloseloopError, ERROR_CATALOG, isCloseloopError, type ErrorCode } from '../../src/errors/index.ts';

describe('error catalog', () => {
  it('gives every code a stage, a retriable flag and a summary', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOG)) {
      expect(code).toMatch(/^CL_[A-Z_]+$/);
      expect(typeof spec.retriable).toBe('boolean');
      expect(spec.summary.length).toBeGreaterThan(10);
    }
  });

  it('takes stage and retriable from the catalog, not from the throw site', () => {
    const err = new CloseloopError('CL_SCHEMA_UNKNOWN_ID', 'schema 42 unknown', { details: { schemaId: 42 } });
    expect(err).toMatchObject({ code: 'CL_SCHEMA_UNKNOWN_ID', stage: 'decode', retriable: false });
    expect(err.details).toEqual({ schemaId: 42 });
    expect(isCloseloopError(err, 'CL_SCHEMA_UNKNOWN_ID')).toBe(true);
    expect(isCloseloopError(err, 'CL_DECODE_MALFORMED' satisfies ErrorCode)).toBe(false);
  });
});
