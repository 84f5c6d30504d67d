"use server";

import { redirect } from "next/navigation";
import { LOGIN_PATH } from "@/lib/auth";
import { endStaffSession } from "@/lib/auth/next";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

/** End this browser's back-office session (whatever state it is in) and go to the sign-in page. */
export async function logOut(): Promise<void> {
  try {
    await endStaffSession();
  } catch (err) {
    // The cookie is gone either way; an unreachable database only leaves a row that expires.
    logger.error("[logOut] could not end the session in the database", err);
  }
  redirect(`${LOGIN_PATH}?signedOut=1`);
}
