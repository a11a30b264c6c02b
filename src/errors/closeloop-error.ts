import { ERROR_CATALOG, type ErrorCode, type Stage } from './catalog.ts';

export interface CloseloopErrorOptions {
  readonly cause?: unknown;
  /** Structured facts for logs and dead-letter headers; never citizen data or secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class CloseloopError extends Error {
  override readonly name = 'CloseloopError';
  readonly code: ErrorCode;
  readonly stage: Stage;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: CloseloopErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const spec = ERROR_CATALOG[code];
    this.code = code;
    this.stage = spec.stage;
    this.retriable = spec.retriable;
    this.details = options.details ?? {};
  }
}

export function isCloseloopError(err: unknown, code?: ErrorCode): err is CloseloopError {
  return err instanceof CloseloopError && (code === undefined || err.code === code);
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
