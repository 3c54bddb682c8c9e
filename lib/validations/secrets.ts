import { z } from "zod";

/** Longest secret name. */
const SECRET_NAME_MAX_LENGTH = 64;
/** Largest secret value, in UTF-8 bytes. */
export const SECRET_VALUE_MAX_BYTES = 4096;
/** Most secrets one instance may have. */
export const SECRETS_PER_INSTANCE = 64;

/**
 * Names the platform sets, or that change how programs behave rather than configure a tenant's
 * code. Secrets pass through the sandbox's launcher (sh, nsenter, bwrap, setpriv, running as root)
 * on their way to PocketBase, so glibc's loader and locale variables (the ones it ignores for
 * setuid programs) and shell start-up variables are refused along with the platform's own.
 */
const reservedNames = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "PWD",
  "TMPDIR",
  "TZ",
  "TZDIR",
  "LANG",
  "LANGUAGE",
  "TERM",
  "HOSTNAME",
  "GCONV_PATH",
  "GETCONF_DIR",
  "GLIBC_TUNABLES",
  "HOSTALIASES",
  "LOCALDOMAIN",
  "LOCPATH",
  "NIS_PATH",
  "NLSPATH",
  "RESOLV_HOST_CONF",
  "RES_OPTIONS",
  "ENV",
  "BASH_ENV",
  "IFS",
  "CDPATH",
  "PS4",
  "SHELLOPTS",
  "BASHOPTS",
  "POSIXLY_CORRECT",
]);
const reservedPrefixes = ["LC_", "PB_", "PICOBASE_", "LD_", "MALLOC_", "BASH_FUNC_"];
/** Go's own settings (GOGC, GOMEMLIMIT, GODEBUG, GOMAXPROCS, …) have no underscore; GOOGLE_API_KEY is a user's. */
const goSetting = /^GO[A-Z0-9]*$/;
const namePattern = /^[A-Z_][A-Z0-9_]*$/;

/** Why `name` is not an environment variable name as secrets use them, or null. */
function nameShapeProblem(name: string): string | null {
  if (name === "") return "Name is required.";
  if (name.length > SECRET_NAME_MAX_LENGTH) return `Name must be at most ${SECRET_NAME_MAX_LENGTH} characters.`;
  if (!namePattern.test(name)) return "Use upper-case letters, digits and underscores, not starting with a digit.";
  return null;
}

/** Why `name` cannot name a secret, or null when it can. Also the orchestrator's filter at launch. */
export function secretNameProblem(name: string): string | null {
  const shape = nameShapeProblem(name);
  if (shape) return shape;
  if (reservedNames.has(name) || goSetting.test(name) || reservedPrefixes.some((p) => name.startsWith(p))) return `${name} is reserved by the platform.`;
  return null;
}

/** A secret's name: an environment variable name the platform does not use itself. */
const secretNameSchema = z.string({ error: "Name is required." }).superRefine((name, ctx) => {
  const problem = secretNameProblem(name);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** A secret's value: 1 to 4096 UTF-8 bytes, no NUL (an environment string cannot hold one). */
const secretValueSchema = z
  .string({ error: "Value is required." })
  .min(1, "Value is required.")
  .refine((v) => !v.includes("\0"), "Value cannot contain a NUL character.")
  .refine((v) => new TextEncoder().encode(v).length <= SECRET_VALUE_MAX_BYTES, `Value must be at most ${SECRET_VALUE_MAX_BYTES / 1024} KB.`);

/** One secret as the dashboard form enters it. */
export const secretEntrySchema = z.object({ name: secretNameSchema, value: secretValueSchema });

/** Body of PATCH /api/instances/:id/secrets: names to set (with values) and to remove, applied together. */
export const secretChangesSchema = z
  .strictObject({
    set: z.record(z.string(), secretValueSchema).default({}),
    unset: z
      .array(z.string({ error: "Names to unset must be strings." }))
      .max(SECRETS_PER_INSTANCE, `At most ${SECRETS_PER_INSTANCE} names can be unset at once.`)
      .default([]),
  })
  .superRefine((changes, ctx) => {
    const setNames = Object.keys(changes.set);
    if (setNames.length > SECRETS_PER_INSTANCE)
      ctx.addIssue({ code: "custom", path: ["set"], message: `At most ${SECRETS_PER_INSTANCE} secrets per instance.` });
    for (const name of setNames) {
      const problem = secretNameProblem(name);
      if (problem) ctx.addIssue({ code: "custom", path: ["set", name], message: problem });
    }
    // A reserved name may still be unset: one stored before it was reserved must be removable.
    changes.unset.forEach((name, i) => {
      const problem = nameShapeProblem(name);
      if (problem) ctx.addIssue({ code: "custom", path: ["unset", i], message: problem });
      else if (Object.hasOwn(changes.set, name)) ctx.addIssue({ code: "custom", path: ["unset", i], message: `${name} cannot be both set and unset.` });
    });
  });

export type SecretEntry = z.infer<typeof secretEntrySchema>;
export type SecretChanges = z.infer<typeof secretChangesSchema>;
