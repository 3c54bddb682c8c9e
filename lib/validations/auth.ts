import { z } from "zod";

const emailSchema = z
  .string({ error: "Email is required." })
  .trim()
  .toLowerCase()
  .max(254, "Email must be at most 254 characters.")
  .pipe(z.email({ error: "Enter a valid email address." }));

const passwordSchema = z
  .string({ error: "Password is required." })
  .min(8, "Password must be at least 8 characters.")
  .max(72, "Password must be at most 72 characters.");

/** Sign-up input, shared by the sign-up form and POST /api/auth/signup. */
export const signupSchema = z.object({
  name: z.string({ error: "Name is required." }).trim().min(1, "Name is required.").max(100, "Name must be at most 100 characters."),
  email: emailSchema,
  password: passwordSchema,
});

/** Sign-in input for the credentials provider. */
export const signinSchema = z.object({
  email: emailSchema,
  password: z.string({ error: "Password is required." }).min(1, "Password is required.").max(200),
});

/** Change-password input, shared by the account form and POST /api/account/password. */
export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ error: "Current password is required." }).min(1, "Current password is required."),
    newPassword: passwordSchema,
  })
  .refine((v) => v.currentPassword !== v.newPassword, {
    message: "The new password must differ from the current one.",
    path: ["newPassword"],
  });

/** The secret of a mailed link (lib/mail/links.ts): 43 base64url characters. */
const linkTokenSchema = z
  .string({ error: "The link is incomplete." })
  .regex(/^[A-Za-z0-9_-]{43}$/, "The link is incomplete or damaged. Copy the whole link from the mail.");

/** "Forgot password?" and "send the verification mail again": just the address. */
export const emailOnlySchema = z.object({ email: emailSchema });

/** A new password chosen through a reset link, shared by the reset form and POST /api/auth/reset-password. */
export const resetPasswordSchema = z.object({ token: linkTokenSchema, password: passwordSchema });

/** The secret of a verification link, as the verify page posts it to POST /api/auth/verify-email. */
export const verifyEmailSchema = z.object({ token: linkTokenSchema });

export type SignupInput = z.infer<typeof signupSchema>;
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;
export type ResetPasswordInput = z.infer<typeof resetPasswordSchema>;
