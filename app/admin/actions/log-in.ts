"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { safeNextPath, signIn, WRONG_CREDENTIALS, type SignedIn } from "@/lib/auth";
import { setStaffSessionCookie } from "@/lib/auth/next";
import { appDeps } from "@/lib/core/deps";
import { storableText } from "@/lib/shared/validation";
import { isDomainError } from "@/lib/core/errors";
import { clientAddress } from "@/lib/core/rate-limit";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

const Input = z.object({
  email: storableText({ min: 1, max: 254 }),
  password: z.string().min(1).max(256),
  next: z.string().max(512).optional(),
});

export type LogInState = { ok: null } | { ok: false; message: string; email: string };

/** Sign in to the back office and go where the user was heading (`next`), or to the overview. */
export async function logIn(_prev: LogInState, formData: FormData): Promise<LogInState> {
  const email = String(formData.get("email") ?? "").slice(0, 254);
  const input = Input.safeParse({ email, password: formData.get("password"), next: formData.get("next") ?? undefined });
  if (!input.success) return { ok: false, message: "Enter your email and password.", email };
  const h = await headers();
  let session: SignedIn;
  try {
    session = await signIn(appDeps(), {
      email: input.data.email,
      password: input.data.password,
      address: clientAddress(h),
      userAgent: h.get("user-agent"),
    });
  } catch (err) {
    if (isDomainError(err) && err.code === "invalid_credentials") return { ok: false, message: WRONG_CREDENTIALS, email };
    if (isDomainError(err) && err.code === "rate_limited") {
      const seconds = Number(err.details?.retryAfterSeconds ?? 60);
      const wait = seconds >= 90 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`;
      return { ok: false, message: `Too many sign-in attempts. Try again in ${wait}.`, email };
    }
    logger.error("[logIn] sign-in failed", err);
    return { ok: false, message: "Signing in is not possible right now. Please try again in a moment.", email };
  }
  await setStaffSessionCookie(session.token, session.maxAgeSeconds);
  redirect(safeNextPath(input.data.next));
}
