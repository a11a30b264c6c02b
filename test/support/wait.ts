/**
 * Waits for a condition the test cannot be told about (a simulator's counter, a runner's state),
 * checking often and failing with its name after a deadline.
 */
export async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
