/**
 * The feed's position at a hole in the seqs, shared with the CRM's feed: the SDK's (see
 * src/sdk/seq-feed/position.ts). Named here as well, where the POSSE feed's tests find it.
 */
export { FeedPosition, positionAdvances, positionProblem, type PositionLimits } from '../../src/sdk/index.ts';
