/**
 * One signal for a call: its time limit, and the caller's signal when it gives one. Released when
 * the call ends, answer read. AbortSignal.timeout() is not used: its timer is cleared only once
 * its signal has been garbage collected, so a call's timer stayed pending after the call until
 * then, up to the whole limit (10 s by default), and where the signal lived that long it fired
 * and built a TimeoutError nobody read.
 */
export function callLimit(timeoutMs: number, caller?: AbortSignal): { signal: AbortSignal; release(): void } {
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

/**
 * `call`, ended early when `signal` aborts (rejecting with its reason). undici heeds a request's
 * signal only once the request is on a connection: one still connecting (a TCP or TLS handshake
 * nobody answers) ran on to its connect time-out whatever the caller said, so a stop waited that
 * long. What the call still yields after is let go: an answer's body is dropped, a failure ignored.
 */
export function untilAborted<T extends { body: { destroy(): unknown } }>(
  call: Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let ended = false;
    const abort = () => {
      ended = true;
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    };
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    call.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        if (ended) value.body.destroy();
        else resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort);
        if (!ended) reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
