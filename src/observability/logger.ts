import { pino, type Logger, type DestinationStream } from 'pino';
import { CloseloopError } from '../errors/index.ts';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear (one level deep or at the top). Credentials and
 * citizen contact data must never reach a log line, whichever module logs the object.
 */
export const REDACTED_PATHS: readonly string[] = [
  'password',
  'secret',
  'token',
  'apiKey',
  'authorization',
  'sasl',
  'email',
  'phone',
  'contact',
  'citizen',
  'reporter',
  'address',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.sasl',
  '*.email',
  '*.phone',
  '*.contact',
  '*.citizen',
  '*.reporter',
  '*.address',
  'headers.authorization',
  'config.headers.Authorization',
];

export interface LoggerOptions {
  readonly name?: string;
  readonly level?: string;
  readonly destination?: DestinationStream;
}

/** The levels pino logs at, and silent (nothing). */
export const LOG_LEVELS: readonly string[] = [...Object.keys(pino.levels.values), 'silent'];

/**
 * The level, or CL_CONFIG_INVALID naming it and the levels there are: pino's own refusal
 * ("default level:verbose must be included in custom levels") carries no code, and does not say
 * that the level came from LOG_LEVEL.
 */
function checkedLevel(level: string): string {
  // pino takes its own levels in any case (LOG_LEVEL=INFO), as closeloop did before this check.
  if (LOG_LEVELS.includes(level.toLowerCase())) return level.toLowerCase();
  const what = process.env['LOG_LEVEL'] === level ? 'LOG_LEVEL' : 'the log level';
  throw new CloseloopError(
    'CL_CONFIG_INVALID',
    `${what} ${JSON.stringify(level)} is no log level: one of ${LOG_LEVELS.join(', ')}`,
  );
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    name: options.name ?? 'closeloop',
    level: checkedLevel(options.level ?? process.env['LOG_LEVEL'] ?? 'info'),
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
