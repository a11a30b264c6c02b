import { afterAll, afterEach } from 'vitest';

/** Teardown steps a test registers as it creates things: a consumer, a server, its topics. */
export type Cleanup = (() => Promise<unknown>)[];

/**
 * A test file's teardown list, run after each of its tests (`each`) or once after all of them
 * (`all`). Steps run newest first, as later things may stand on earlier ones (a consumer on its
 * topics). A step that fails does not stop the rest: teardown after a fault test often meets a
 * broker, registry or server that the test broke on purpose.
 */
export function cleanupAfter(when: 'each' | 'all'): Cleanup {
  const steps: Cleanup = [];
  (when === 'each' ? afterEach : afterAll)(async () => {
    for (const step of steps.splice(0).reverse()) await step().catch(() => undefined);
  });
  return steps;
}
