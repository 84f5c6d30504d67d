"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { revokeApiToken as revoke, staffRecordId } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { asStaff, INVALID_FORM, type ActionState } from "@/lib/actions";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

const Input = z.object({ tokenId: staffRecordId });

export type RevokeApiTokenState = ActionState<{ message: string }>;

/** Revoke an API token: requests carrying it are refused from now on. */
export async function revokeApiToken(_prev: RevokeApiTokenState, formData: FormData): Promise<RevokeApiTokenState> {
  const input = Input.safeParse({ tokenId: formData.get("tokenId") });
  if (!input.success) return { ok: false, error: INVALID_FORM };
  return asStaff("admin", "revokeApiToken", async (staff) => {
    const info = await revoke(appDeps(), input.data.tokenId);
    logger.info(`[auth] ${staff.actor} revoked API token "${info.name}" (${info.id})`);
    revalidatePath("/admin/users");
    return { message: `"${info.name}" is revoked.` };
  });
}
