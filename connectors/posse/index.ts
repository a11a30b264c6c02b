import {
  CloseloopError,
  defineConnector,
  healthFrom,
  isCloseloopError,
  positionAdvances,
  positionProblem,
  type Lookup,
  type Sink,
  type Source,
  type WorkOrderCommand,
  type WorkOrderEvent,
} from '../../src/sdk/index.ts';
import { answerShape, PosseClient } from './client.ts';
import { posseConfig, type PosseConfig } from './config.ts';
import { feedPoll, positionLimits } from './feed.ts';
import { commandToJob, jobToObservation, unreadExpected } from './mapping.ts';

function client(config: PosseConfig, env: NodeJS.ProcessEnv): PosseClient {
  return new PosseClient({
    baseUrl: config.baseUrl,
    token: env[config.tokenEnv],
    timeoutMs: config.timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
  });
}

/**
 * A POSSE-like permit and enforcement system. Sink: work-order commands become jobs and job
 * actions, with the bridge's work-order id as external reference. Source: completed processes
 * since a watermark, as department work-order events with their raw outcome codes. Lookup: a job's
 * last completed process, as the same event, for reconciliation.
 */
export const posse = defineConnector<typeof posseConfig, WorkOrderCommand, WorkOrderEvent>({
  name: 'posse',
  description: 'POSSE-like permit/enforcement system: commands in, process outcomes out.',
  config: posseConfig,
  sourceTopic: 'deptEvents',
  cursorProblem: positionProblem,
  sinkTopic: 'commands',
  serves: (config) => config.departments.map((department) => ({ system: config.system, department })),
  credentials: (config) => [config.tokenEnv],
  source: (config, ctx): Source<WorkOrderEvent> => {
    const api = client(config, ctx.env);
    const limits = positionLimits(config);
    return {
      poll: feedPoll(config, ctx, api),
      // Ordered by the highest seq read (see the SDK's FeedPosition): a page of changes must end past the
      // one asked after, and an empty page that ends below it is a feed gone back (a restored
      // backup: CL_SOURCE_CURSOR_BEHIND).
      cursorAdvances: (given, next) => positionAdvances(given, next, limits),
      health: () => healthFrom(() => api.changes(0, 1)),
    };
  },
  sink: (config, ctx): Sink<WorkOrderCommand> => {
    const api = client(config, ctx.env);
    // Notes whose POST failed in a way that may have taken (a time-out, a dropped connection, a
    // 5xx). A POSSE that ignores Idempotency-Key would add a retry as a second note, so the retry
    // reads the job's notes first. In memory, and bounded: after a restart the key alone guards.
    const uncertain = new Set<string>();
    // A job view whose notes cannot be read must not hold the note up: retrying would read the
    // same view every time, the sink paused with POSSE healthy until the note is given up on.
    // The Idempotency-Key still guards the POST, as it does after a restart.
    const onJob = async (c: WorkOrderCommand, note: string, signal?: AbortSignal): Promise<boolean> => {
      try {
        return (await api.notes(c.workOrderId, signal))?.includes(note) ?? false;
      } catch (err) {
        if (!isCloseloopError(err, 'CL_CONNECTOR_MALFORMED')) throw err;
        ctx.logger.warn(
          { ticketId: c.ticketId, commandId: c.commandId, error: err.message },
          'the notes of the job cannot be read to look for an earlier unanswered try; posted with its Idempotency-Key',
        );
        return false;
      }
    };
    const addNote = async (c: WorkOrderCommand, note: string, signal?: AbortSignal): Promise<unknown> => {
      if (uncertain.has(c.commandId) && (await onJob(c, note, signal))) {
        uncertain.delete(c.commandId);
        ctx.logger.warn(
          { ticketId: c.ticketId, commandId: c.commandId },
          'the note of an earlier unanswered try is on the job; not posted again',
        );
        return undefined;
      }
      try {
        const answer = await api.addNote(c.workOrderId, note, c.commandId, signal);
        uncertain.delete(c.commandId);
        return answer;
      } catch (err) {
        if (isCloseloopError(err) && err.retriable) {
          if (uncertain.size >= 10_000) uncertain.delete(uncertain.values().next().value ?? '');
          uncertain.add(c.commandId);
        }
        throw err;
      }
    };
    // Every call takes the runner's signal: a stop ends it at once (see PosseClient's stoppedBy).
    const write = async (c: WorkOrderCommand, signal?: AbortSignal): Promise<unknown> => {
      switch (c.kind) {
        case 'CREATE':
          return api.createJob(commandToJob(c), signal);
        case 'CANCEL':
          return api.cancel(c.workOrderId, c.reason, signal);
        case 'UPDATE_PRIORITY':
          return api.setPriority(c.workOrderId, c.priority, signal);
        case 'ADD_NOTE':
          return c.note ? addNote(c, c.note, signal) : undefined;
        case 'REVIEW':
          // POSSE lists no review requests, so only the Idempotency-Key guards a repeat.
          return api.review(c.workOrderId, c.commandId, signal);
      }
    };
    return {
      accepts: (c) => c.system === config.system && config.departments.includes(c.department),
      async deliver(c, signal) {
        const answer = await write(c, signal);
        const about = { ticketId: c.ticketId, commandId: c.commandId, kind: c.kind };
        // undefined: no write was made (a note already on the job, or none to add).
        if (answer === null) ctx.logger.warn(about, 'POSSE answered the write with no body; counted as done');
        else if (answer !== undefined) {
          const shape = answerShape(answer);
          if (shape !== null)
            ctx.logger.warn({ ...about, answered: shape }, 'POSSE answered the write with no job; counted as done');
        }
      },
      health: () => healthFrom(() => api.changes(0, 1)),
    };
  },
  lookup: (config, ctx): Lookup => {
    const api = client(config, ctx.env);
    return {
      async workOrder(ref) {
        // POSSE would answer 404 for another system's work order, which would read as deleted.
        if (ref.system !== config.system || !config.departments.includes(ref.department))
          throw new CloseloopError(
            'CL_CONNECTOR_REJECTED',
            `work order ${ref.workOrderId} is for ${ref.system}/${ref.department}, which this connector does not serve`,
          );
        const job = await api.job(ref.workOrderId);
        const value = job?.lastProcess ? unreadExpected(job.lastProcess, config.timeZone) : null;
        if (job && value !== null)
          ctx.logger.warn(
            { jobId: job.jobId, workOrderId: job.externalRef, expectedAt: value },
            'POSSE expected date names no instant; the job is observed without it',
          );
        return job && jobToObservation(job, config.jurisdiction, config.system, config.timeZone);
      },
      health: () => healthFrom(() => api.changes(0, 1)),
    };
  },
});
