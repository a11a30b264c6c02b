/**
 * What a fence may mean, said by both adapters whenever they refuse a producer as
 * CL_KAFKA_FENCED. The broker fences alike a producer whose id a newer producer claimed and one
 * whose transaction outlived its timeout (it aborts the transaction and moves the id's epoch
 * on), and the error cannot tell which: an operator must hear of both.
 */
export const FENCED_CAUSES =
  "(this producer's epoch of its transactional id is over: a newer producer claimed the id, or the broker aborted a transaction that outlived its timeout)";
