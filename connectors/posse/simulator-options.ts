import type { FaultSettings, WebhookTarget } from '../../src/sdk/index.ts';
import type { FeedShape } from './simulator-feed.ts';
import type { DepartmentBehaviour } from './simulator-model.ts';

/** What a PosseSimulator is started with: all optional, each off or at its default when left out. */
export interface PosseSimulatorOptions extends FeedShape {
  readonly faults?: Partial<FaultSettings>;
  readonly behaviour?: Partial<DepartmentBehaviour>;
  readonly seed?: number;
  readonly clock?: () => number;
  readonly token?: string;
  /** Called (POST, no data) after new changes reach the feed; also `PUT /_sim/webhook`. */
  readonly webhook?: WebhookTarget;
  /**
   * Whether a repeated `Idempotency-Key` on a note or review request gets the first answer
   * without doing it again (default true); false is a POSSE that ignores the header.
   */
  readonly honoursIdempotencyKey?: boolean;
  /**
   * The job view lists each note as an object, its text beside its author (`{ text, author }`),
   * as most systems list them, rather than as its text alone (default false).
   */
  readonly notesAsObjects?: boolean;
}
