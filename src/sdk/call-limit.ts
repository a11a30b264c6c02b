/**
 * One signal for a call: its time limit, and the caller's signal when it gives one. Released when
 * the call ends, answer read. AbortSignal.timeout() is not used: its timer is cleared only once
 * its signal has been garbage collected, so each call's timer stayed pending for the whole limit
 * after the call and, when its signal had lived on, fired and built a TimeoutError nobody read
 * (10,000 of them pending at 1,000 calls a second with the default 10 s limit).
 */
export function callLimit(
  timeoutMs: number,
  caller: AbortSignal | undefined,
): { signal: AbortSignal; release(): void } {
  const limit = new AbortController();
  const timer = setTimeout(() => {
    limit.abort(new DOMException(`The operation was aborted due to timeout (${timeoutMs} ms)`, 'TimeoutError'));
  }, timeoutMs);
  // A pending call keeps the process alive by its socket, not by its time limit.
  timer.unref();
  const follow = () => limit.abort(caller?.reason);
  if (caller?.aborted) follow();
  else caller?.addEventListener('abort', follow, { once: true });
  return {
    signal: limit.signal,
    release() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', follow);
    },
  };
}
