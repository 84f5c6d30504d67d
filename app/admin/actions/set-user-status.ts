"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { setUserDisabled, staffRecordId } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { asStaff, INVALID_FORM, type ActionState } from "@/lib/actions";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

const Input = z.object({ userId: staffRecordId, status: z.enum(["disabled", "enabled"]) });

export type SetUserStatusState = ActionState<{ message: string }>;

/** Disable an account (its sessions end at once) or enable it again. */
export async function setUserStatus(_prev: SetUserStatusState, formData: FormData): Promise<SetUserStatusState> {
  const input = Input.safeParse({ userId: formData.get("userId"), status: formData.get("status") });
  if (!input.success) return { ok: false, error: INVALID_FORM };
  const disabled = input.data.status === "disabled";
  return asStaff("admin", "setUserStatus", async (staff) => {
    const user = await setUserDisabled(appDeps(), input.data.userId, disabled, { userId: staff.kind === "session" ? staff.id : null });
    logger.info(`[auth] ${staff.actor} ${disabled ? "disabled" : "enabled"} ${user.email}`);
    revalidatePath("/admin/users");
    return { message: disabled ? `${user.email} is disabled and signed out everywhere.` : `${user.email} can sign in again.` };
  });
}
