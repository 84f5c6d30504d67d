"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { appDeps } from "@/lib/core/deps";
import { reconcile } from "@/lib/ledger";
import { asStaff, INVALID_FORM, type ActionState } from "@/lib/actions";

const Input = z.object({ mode: z.enum(["check", "repair"]) });

export type RunReconciliationState = ActionState<{ message: string }>;

/** "Check now" (report only) or "Repair" (re-run every drifted SKU through the rebuild script). */
export async function runReconciliation(_prev: RunReconciliationState, formData: FormData): Promise<RunReconciliationState> {
  const input = Input.safeParse({ mode: formData.get("mode") });
  if (!input.success) return { ok: false, error: INVALID_FORM };
  const repair = input.data.mode === "repair";
  return asStaff("merchandiser", "runReconciliation", async (staff) => {
    const report = await reconcile(appDeps(), { trigger: "manual", repair, actor: staff.actor });
    revalidatePath("/admin/reconciliation");
    const skus = (n: number) => `${n} ${n === 1 ? "SKU" : "SKUs"}`;
    if (report.drifted === 0) return { message: `All ${skus(report.skus)} match the ledger.` };
    if (!repair) return { message: `${skus(report.drifted)} of ${report.skus} drifted from the ledger.` };
    return {
      message:
        report.repaired === report.drifted
          ? `Repaired ${skus(report.repaired)}; each repair is a rebuild event in the ledger.`
          : `Repaired ${report.repaired} of ${skus(report.drifted)}; the others changed meanwhile — check again.`,
    };
  });
}
