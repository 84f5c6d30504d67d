"use server";

import { revalidatePath } from "next/cache";
import { createUser as createStaffUser, userCreateBody, type StaffRole } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { asStaff, formError, type ActionState } from "@/lib/actions";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

export type CreateUserState = ActionState<{ message: string; email: string; role: StaffRole }>;

/** Admins add a staff account with an initial password (to be handed over in person). */
export async function createUser(_prev: CreateUserState, formData: FormData): Promise<CreateUserState> {
  const input = userCreateBody.safeParse({
    email: formData.get("email"),
    name: formData.get("name"),
    role: formData.get("role"),
    password: formData.get("password"),
  });
  if (!input.success) return { ok: false, error: formError(input.error.issues) };
  return asStaff("admin", "createUser", async (staff) => {
    const user = await createStaffUser(appDeps(), input.data);
    logger.info(`[auth] ${staff.actor} created ${user.role} ${user.email}`);
    revalidatePath("/admin/users");
    return { message: `${user.name} (${user.email}) can now sign in as ${user.role}.`, email: user.email, role: user.role };
  });
}
