import { VIOLATION_KINDS } from '../domain/index.ts';
import { ticketIdFault } from '../domain/identifiers.ts';
import { CloseloopError, ERROR_CATALOG } from '../errors/index.ts';

/**
 * Checks of the operator tools' options, done before anything connects to Kafka: a filter that
 * cannot match (a date JavaScript reads as Invalid Date, an empty code) would otherwise list
 * nothing, or everything, without saying why. Each message names the option and shows a value
 * that works.
 */

function invalid(option: string, rule: string, example: string, got: string): CloseloopError {
  return new CloseloopError(
    'CL_ARGUMENT_INVALID',
    // JSON-quoted: a control character in what was given is shown escaped, never sent to the terminal.
    `--${option} must be ${rule}, e.g. --${option} ${example}; got ${JSON.stringify(got)}`,
  );
}

// Date.parse also takes "May 1", "2024-05-01" (UTC) and "2024-05-01T00:00" (local time); an
// operator's filter must not depend on where the command runs, so only instants with a zone.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** An ISO-8601 instant with a zone, as the UTC ISO text the dead-letter headers use. */
export function parseInstant(option: string, value: string): string {
  const m = INSTANT.exec(value);
  const bad = () => invalid(option, 'an ISO-8601 instant with a time zone', '2024-05-01T00:00:00Z', value);
  if (!m) throw bad();
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [1, 2, 3, 4, 5, 6, 8, 9].map((i) =>
    Number(m[i] ?? '0'),
  ) as [number, number, number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const fits =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  const ms = Date.parse(value);
  if (!fits || !Number.isFinite(ms)) throw bad();
  return new Date(ms).toISOString();
}

export function parseSinceUntil(
  since: string | undefined,
  until: string | undefined,
): { since?: string; until?: string } {
  const out = {
    ...(since === undefined ? {} : { since: parseInstant('since', since) }),
    ...(until === undefined ? {} : { until: parseInstant('until', until) }),
  };
  if (out.since !== undefined && out.until !== undefined && out.since >= out.until) {
    throw new CloseloopError(
      'CL_ARGUMENT_INVALID',
      `--since must be before --until, e.g. --since 2024-05-01T00:00:00Z --until 2024-05-02T00:00:00Z; got ${since} and ${until}`,
    );
  }
  return out;
}

/** A ticket id by the bridge's one rule (ticketIdFault): spaces and any other text allowed, as sent. */
export function parseTicket(value: string): string {
  const fault = ticketIdFault(value);
  if (fault) throw invalid('ticket', `a ticket id (this one ${fault})`, 'SR-000002', value);
  return value;
}

/** Dead letters carry a code of the error catalogue; any other code matches nothing. */
export function parseCode(value: string): string {
  if (!Object.hasOwn(ERROR_CATALOG, value)) {
    throw invalid('code', `one of ${Object.keys(ERROR_CATALOG).join(', ')}`, 'CL_CONNECTOR_REJECTED', value);
  }
  return value;
}

/** A dead-letter topic of the pipeline, or a topic one of them belongs to. */
export function parseTopic(value: string, deadLetterTopics: readonly string[]): string {
  const valid = deadLetterTopics.flatMap((t) => [t.replace(/\.dlq$/, ''), t]);
  if (!valid.includes(value)) {
    throw invalid('topic', `one of this pipeline's topics: ${valid.join(', ')}`, valid[0] ?? '<topic>', value);
  }
  return value;
}

/** `<dlq topic>:<partition>:<offset>` on one of the pipeline's dead-letter topics. */
export function parseDeadLetterId(value: string, deadLetterTopics: readonly string[]): string {
  const [topic = '', partition = '', offset = '', ...rest] = value.split(':');
  if (rest.length > 0 || !/^\d+$/.test(partition) || !/^\d+$/.test(offset) || !deadLetterTopics.includes(topic)) {
    const rule = `<dlq topic>:<partition>:<offset> on one of ${deadLetterTopics.join(', ')}`;
    throw invalid('id', rule, `${deadLetterTopics[0] ?? '<dlq topic>'}:0:42`, value);
  }
  return value;
}

/**
 * The alert `alerts ack` acknowledges. A blank id can name no alert: it is a usage error, told
 * as such, not an alert that happens not to be open.
 */
export function parseAlertId(value: string | undefined): string {
  if (value === undefined || value.trim() === '')
    throw invalid('id', 'an alert id, as `alerts list` and readiness name it', "'<alert id>'", value ?? '');
  return value;
}

/** Who replays a dead letter or acknowledges an alert: recorded with it, so it must say something. */
export function parseBy(value: string | undefined): string {
  // The record is read on terminals too: a control character (an escape sequence) is refused.
  if (value === undefined || value.trim() === '' || /\p{Cc}/u.test(value))
    throw invalid(
      'by',
      'who acts (replays, acknowledges), for the record, without control characters',
      'operator@city',
      value ?? '',
    );
  return value.trim();
}

/**
 * Why a replay re-sends lines that failed again after a replay (`--again`): recorded in the
 * audit, so it is required there and must say something; optional, and recorded, on any other.
 */
export function parseReason(value: string | undefined, required: boolean): string | null {
  if (value === undefined && !required) return null;
  if (value === undefined || value.trim() === '' || /\p{Cc}/u.test(value)) {
    const rule = `why${required ? ' --again re-sends' : ''}, for the audit, without control characters`;
    throw invalid('reason', rule, "'CRM timeout fixed in INC-4711'", value ?? '');
  }
  return value.trim();
}

export function parseKind(value: string): string {
  if (!(VIOLATION_KINDS as readonly string[]).includes(value)) {
    throw invalid('kind', `one of ${VIOLATION_KINDS.join(', ')}`, 'UNMAPPED_CODE', value);
  }
  return value;
}
