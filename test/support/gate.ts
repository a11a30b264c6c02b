/**
 * A promise the test opens when it chooses: work that awaits `opened` is held until `open()`.
 * Opening it again changes nothing, so a `finally` may open it whatever happened.
 */
export function gate(): { readonly opened: Promise<void>; open(): void } {
  let resolve: () => void = () => undefined;
  const opened = new Promise<void>((r) => (resolve = r));
  return { opened, open: () => resolve() };
}
