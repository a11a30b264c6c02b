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
