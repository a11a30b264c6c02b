import type { CloseloopConfig } from '../config/index.ts';
import {
  parseBy,
  parseCode,
  parseDeadLetterId,
  parseKind,
  parseReason,
  parseSinceUntil,
  parseTicket,
  parseTopic,
  type DeadLetterFilter,
  type QuarantineFilter,
} from '../ops/index.ts';
import { deadLetterTopics } from '../topics/index.ts';

export interface OpsArgs {
  readonly topic?: string | undefined;
  readonly code?: string | undefined;
  readonly ticket?: string | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly kind?: string | undefined;
  readonly by?: string | undefined;
  readonly id?: string | undefined;
  /** Re-send once more the lines that failed again after a replay (needs a reason). */
  readonly again?: boolean | undefined;
  readonly reason?: string | undefined;
}

export type OpsRequest =
  | { readonly action: 'dlq list'; readonly filter: DeadLetterFilter }
  | { readonly action: 'dlq show'; readonly id: string }
  | {
      readonly action: 'dlq replay';
      readonly filter: DeadLetterFilter;
      readonly by: string;
      readonly again: boolean;
      readonly reason: string | null;
    }
  | { readonly action: 'quarantine list'; readonly filter: QuarantineFilter };

export const OPS_USAGE = [
  'usage: closeloop dlq list|show|replay [--topic T] [--code C] [--ticket ID] [--since ISO] [--until ISO] [--id ID] [--by WHO]',
  '       closeloop dlq replay [filters] --by WHO --again --reason TEXT   (lines that failed again after a replay)',
  '       closeloop quarantine list [--kind K] [--ticket ID] [--since ISO] [--until ISO]',
  '       ISO is an instant with a zone, e.g. 2024-05-01T00:00:00Z',
].join('\n');

function deadLetterFilter(args: OpsArgs, topics: readonly string[]): DeadLetterFilter {
  return {
    ...(args.topic === undefined ? {} : { topic: parseTopic(args.topic, topics) }),
    ...(args.code === undefined ? {} : { code: parseCode(args.code) }),
    ...(args.ticket === undefined ? {} : { ticket: parseTicket(args.ticket) }),
    ...parseSinceUntil(args.since, args.until),
  };
}

/**
 * What an ops command asks for, every option checked (CL_ARGUMENT_INVALID) without connecting to
 * anything; null for a command that does not exist.
 */
export function opsRequest(
  command: string,
  sub: string | undefined,
  args: OpsArgs,
  config: Pick<CloseloopConfig, 'topics' | 'processor'>,
): OpsRequest | null {
  const topics = deadLetterTopics(config);
  if (command === 'dlq' && sub === 'list') return { action: 'dlq list', filter: deadLetterFilter(args, topics) };
  if (command === 'dlq' && sub === 'show') return { action: 'dlq show', id: parseDeadLetterId(args.id ?? '', topics) };
  if (command === 'dlq' && sub === 'replay') {
    const filter = deadLetterFilter(args, topics);
    const again = args.again === true;
    return { action: 'dlq replay', filter, by: parseBy(args.by), again, reason: parseReason(args.reason, again) };
  }
  if (command === 'quarantine' && sub === 'list') {
    const filter: QuarantineFilter = {
      ...(args.kind === undefined ? {} : { kind: parseKind(args.kind) }),
      ...(args.ticket === undefined ? {} : { ticket: parseTicket(args.ticket) }),
      ...parseSinceUntil(args.since, args.until),
    };
    return { action: 'quarantine list', filter };
  }
  return null;
}
