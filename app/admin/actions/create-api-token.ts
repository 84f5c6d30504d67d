"use server";

import { revalidatePath } from "next/cache";
import { apiTokenCreateBody, createApiToken as issueApiToken, type StaffRole } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { asStaff, formError, type ActionState } from "@/lib/actions";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

export type CreateApiTokenState = ActionState<{ token: string; name: string; role: StaffRole }>;

/** Issue an API token; the result carries its plaintext, shown this once and never again. */
export async function createApiToken(_prev: CreateApiTokenState, formData: FormData): Promise<CreateApiTokenState> {
  const input = apiTokenCreateBody.safeParse({ name: formData.get("name"), role: formData.get("role") });
  if (!input.success) return { ok: false, error: formError(input.error.issues) };
  return asStaff("admin", "createApiToken", async (staff) => {
    const { token, info } = await issueApiToken(appDeps(), { ...input.data, createdById: staff.kind === "session" ? staff.id : null });
    logger.info(`[auth] ${staff.actor} created ${info.role} API token "${info.name}" (${info.id})`);
    revalidatePath("/admin/users");
    return { token, name: info.name, role: info.role };
  });
}
