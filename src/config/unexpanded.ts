/**
 * A value written as a shell or compose variable (`${NAME}`, `$NAME`): the config is read as it
 * is written, never expanded, so the value would be taken literally — a client id or a URL of
 * `${CLOSELOOP_CLIENT_ID}` — with no error anywhere. Refused, naming where it is and what closeloop
 * reads from the environment instead: credentials by the variable a connector names
 * (`tokenEnv`, `apiKeyEnv`), the addresses from KAFKA_BROKERS and SCHEMA_REGISTRY_URL.
 * A bare `$NAME` counts where it stands as a part of an address — the whole value, a host
 * (`$HOST:9092`, `http://$HOST/…`), a password (`admin:$PASS@host`) — and nowhere else, so that
 * text with a dollar in it (`a$b`, `costs $5`) passes.
 */
const VARIABLE = /\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?-][^}]*)?\}|(?<=^|\/\/|[@:])\$[A-Za-z_][A-Za-z0-9_]*(?=[:/@.-]|$)/;

export function unexpandedVariables(
  file: string,
  raw: unknown,
  replaced: readonly (readonly string[])[] = [],
): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, at: readonly (string | number)[]): void => {
    // A value the environment replaces is never read: KAFKA_BROKERS in place of a placeholder.
    if (replaced.some((p) => p.length <= at.length && p.every((k, i) => at[i] === k))) return;
    if (typeof value === 'string') {
      const found = VARIABLE.exec(value);
      if (found)
        problems.push(
          `${file}: ${at.join('.')}: ${found[0]} is not expanded: the config is read as written. Credentials ` +
            `come from the variable a connector names (tokenEnv, apiKeyEnv), the addresses from KAFKA_BROKERS ` +
            `and SCHEMA_REGISTRY_URL; write other values out`,
        );
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...at, i]));
    else if (value !== null && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, [...at, k]);
  };
  walk(raw, []);
  return problems;
}
