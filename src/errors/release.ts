/**
 * Runs every release step (a close, a disconnect) one after the other, each whatever the ones
 * before it did, then throws the first failure, if any: a part that fails to close must not keep
 * the others open, and the failure is still the caller's to see.
 */
export async function releaseAll(steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  let failure: { err: unknown } | null = null;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failure ??= { err };
    }
  }
  if (failure) throw failure.err;
}
