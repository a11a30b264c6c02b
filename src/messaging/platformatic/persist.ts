/**
 * Runs `fn` until it succeeds or `live()` turns false, waiting longer after each failure (up to
 * maxDelayMs): a consumer never gives up on its group, its assignment or its positions, since
 * giving up would stop it for good while the process looks alive.
 */
export async function persist(
  fn: () => Promise<void>,
  live: () => boolean,
  onError: (err: unknown, attempt: number) => void,
  maxDelayMs = 5_000,
): Promise<void> {
  for (let attempt = 1; live(); attempt += 1) {
    try {
      await fn();
      return;
    } catch (err) {
      if (!live()) return;
      onError(err, attempt);
      await new Promise((r) => setTimeout(r, Math.min(500 * attempt, maxDelayMs)));
    }
  }
}
