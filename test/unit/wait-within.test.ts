import { describe, expect, it } from 'vitest';
import { within } from '../support/wait.ts';

// The integration tests bound their steps with it, so a hang names the step.
describe('within', () => {
  it('gives the value of a step that finishes in time', async () => {
    await expect(within('a quick step', 1_000, Promise.resolve(42))).resolves.toBe(42);
  });

  it('names the step that did not finish', async () => {
    await expect(within('a hung step', 20, new Promise(() => undefined))).rejects.toThrow(
      'a hung step did not finish within 20 ms',
    );
  });

  it("passes a step's own failure through", async () => {
    await expect(within('a failing step', 1_000, Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  });
});
