"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { appDeps } from "@/lib/core/deps";
import { resolveQuarantinedEvent, RESOLUTION_NOTE_MAX } from "@/lib/ledger";
import { storableText } from "@/lib/shared/validation";
import { asStaff, formError, INVALID_FORM, type ActionState } from "@/lib/actions";

const Input = z.object({
  id: z.string().uuid(),
  note: storableText({ max: RESOLUTION_NOTE_MAX, multiline: true }).refine((s) => s.length > 0, "Say what was done about this change."),
});

export type ResolveHeldChangeState = ActionState<{ message: string }>;

/** Mark a stock change held back from the ledger as dealt with, recording who did it and their note. */
export async function resolveHeldChange(id: string, _prev: ResolveHeldChangeState, formData: FormData): Promise<ResolveHeldChangeState> {
  if (!z.string().uuid().safeParse(id).success) return { ok: false, error: INVALID_FORM };
  const input = Input.safeParse({ id, note: formData.get("note") ?? "" });
  if (!input.success) return { ok: false, error: formError(input.error.issues) };
  return asStaff("merchandiser", "resolveHeldChange", async (staff) => {
    const held = await resolveQuarantinedEvent(appDeps(), { id: input.data.id, actor: staff.actor, note: input.data.note });
    revalidatePath("/admin/reconciliation");
    revalidatePath("/admin/alerts");
    return {
      message:
        held.resolvedBy === staff.actor
          ? `Marked the change to ${held.sku} as resolved.`
          : `${held.sku}: already resolved by ${held.resolvedBy ?? "someone"}.`,
    };
  });
}
