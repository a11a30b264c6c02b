import { pino, type Logger, type DestinationStream } from 'pino';

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

export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    name: options.name ?? 'closeloop',
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
