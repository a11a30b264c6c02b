import { z } from 'zod';
import { SUGGEST_KEYS } from '../errors/index.ts';

/**
 * A section a city may turn off: `off` turns it off (null in the loaded config), a mapping is
 * the section laid over its defaults, and leaving it out gives the defaults. A null — a header
 * whose body was commented out, or `null` written out — is refused rather than read as either:
 * the same slip in processor: or kafka: is refused, and here it would switch a safeguard off
 * with nothing said.
 */
export function offOrSection<T extends z.ZodType>(
  section: T,
  name: string,
  what: string,
): z.ZodPrefault<z.ZodPipe<z.ZodUnknown, z.ZodTransform<z.output<T> | null, unknown>>> {
  return z
    .unknown()
    .transform((value, ctx): z.output<T> | null => {
      if (value === 'off') return null;
      if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
        ctx.addIssue({ code: 'custom', message: `\`off\` or a mapping of its settings, not ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      if (value === null) {
        ctx.addIssue({
          code: 'custom',
          message:
            `empty (null): write \`${name}: off\` to turn ${what} off, or give its settings (leave the ` +
            `section out, or write \`${name}: {}\`, for the defaults)`,
        });
        return z.NEVER;
      }
      // Parsed apart so that its own problems keep their paths and messages; a union would
      // report any of them as "Invalid input".
      const parsed = section.safeParse(value, SUGGEST_KEYS);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, input: undefined });
      return z.NEVER;
    })
    .prefault({});
}

/**
 * A single setting a city may turn off, by the rule offOrSection gives sections: `off` turns it
 * off (null in the loaded config, as the domain reads it), a number sets it, and leaving it out
 * gives `fallback`. A null — `statusUnconfirmedMinutes:` with its number deleted — is refused:
 * it once turned the setting off, so a slip of the keyboard took a safeguard away unsaid.
 */
export function offOrNumber(
  number: z.ZodNumber,
  fallback: number | null,
): z.ZodDefault<z.ZodPipe<z.ZodUnknown, z.ZodTransform<number | null, unknown>>> {
  return offOrNumberValue(number, fallback).default(fallback);
}

/** offOrNumber without a default: a value that is never left out (a state's limit in a map). */
export function offOrNumberValue(
  number: z.ZodNumber,
  fallback: number | null,
): z.ZodPipe<z.ZodUnknown, z.ZodTransform<number | null, unknown>> {
  const otherwise = fallback === null ? 'off' : String(fallback);
  return z.unknown().transform((value, ctx): number | null => {
    if (value === 'off') return null;
    if (value === null) {
      ctx.addIssue({
        code: 'custom',
        message: `empty (null): write \`off\` to turn it off, or a number (leave it out for the default, ${otherwise})`,
      });
      return z.NEVER;
    }
    if (typeof value !== 'number') {
      ctx.addIssue({ code: 'custom', message: `\`off\` or a number, not ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    const parsed = number.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, input: undefined });
    return z.NEVER;
  });
}
