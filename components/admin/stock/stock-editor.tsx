"use client";

import { useActionState, useRef } from "react";
import { adjustStock, type AdjustStockState } from "@/app/admin/actions/adjust-stock";
import { setLowStockThreshold, type SetLowStockThresholdState } from "@/app/admin/actions/set-low-stock-threshold";
import { setSafetyStock, type SetSafetyStockState } from "@/app/admin/actions/set-safety-stock";
import type { StockRow } from "@/lib/stock";
import { REASON_LABELS, STAFF_ADJUSTMENT_REASONS } from "@/lib/shared/stock-reasons";
import { ActionMessage } from "../action-message";

/** What a pending change looks like before the server answers. */
export type StockChange =
  | { kind: "adjust"; sku: string; delta: number }
  | { kind: "safety"; sku: string; safety: number }
  | { kind: "threshold"; productId: string; threshold: number };

/** 128 random bits as hex (crypto.randomUUID needs a secure context; the back office may run on plain http). */
function operationId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function wholeNumber(value: FormDataEntryValue | null): number | null {
  const n = Number(
    String(value ?? "")
      .replace(/^\+/, "")
      .replace("−", "-")
      .trim(),
  );
  return Number.isInteger(n) && String(value ?? "").trim() !== "" ? n : null;
}

/**
 * The inline editor of one SKU: change the count with a reason, set safety stock, set the
 * product's low-stock threshold. Each form shows its change at once (useOptimistic in the
 * table) and then the server's verdict; a refusal rolls the row back.
 */
export function StockEditor({
  row,
  onOptimistic,
  onCommit,
  onThreshold,
}: {
  row: StockRow;
  onOptimistic: (change: StockChange) => void;
  onCommit: (row: StockRow) => void;
  onThreshold: (productId: string, threshold: number) => void;
}) {
  // One operation id per change: kept until the server has answered, so submitting again after
  // a lost answer (a retry, a second click) applies the change once; a new change gets a new id.
  const adjustOperation = useRef<string | null>(null);
  const [adjustState, adjustAction, adjusting] = useActionState<AdjustStockState, FormData>(
    async (prev, formData) => {
      const delta = wholeNumber(formData.get("delta"));
      if (delta !== null && delta !== 0) onOptimistic({ kind: "adjust", sku: row.sku, delta });
      adjustOperation.current ??= operationId();
      formData.set("operation", adjustOperation.current);
      let result: AdjustStockState;
      try {
        result = await adjustStock(prev, formData);
      } catch {
        // No answer (the connection dropped): the change may or may not have been made. The id is
        // kept, so submitting the same change again applies it at most once.
        return {
          ok: false,
          error: { code: "unexpected", message: "No answer from the server. Submit the same change again: it will be applied only once." },
        };
      }
      adjustOperation.current = null;
      if (result.ok === true) onCommit(result.row);
      return result;
    },
    { ok: null },
  );

  const [safetyState, safetyAction, savingSafety] = useActionState<SetSafetyStockState, FormData>(
    async (prev, formData) => {
      const safety = wholeNumber(formData.get("safety"));
      if (safety !== null && safety >= 0) onOptimistic({ kind: "safety", sku: row.sku, safety });
      const result = await setSafetyStock(prev, formData);
      if (result.ok === true) onCommit(result.row);
      return result;
    },
    { ok: null },
  );

  const [thresholdState, thresholdAction, savingThreshold] = useActionState<SetLowStockThresholdState, FormData>(
    async (prev, formData) => {
      const threshold = wholeNumber(formData.get("threshold"));
      if (threshold !== null && threshold >= 0) onOptimistic({ kind: "threshold", productId: row.productId, threshold });
      const result = await setLowStockThreshold(prev, formData);
      if (result.ok === true) onThreshold(result.productId, result.threshold);
      return result;
    },
    { ok: null },
  );

  const id = row.sku.toLowerCase();
  return (
    <div className="adm-stock-editor" data-testid={`stock-editor-${row.sku}`}>
      <form action={adjustAction} className="adm-stock-editor__card adm-stock-editor__card--main">
        <input type="hidden" name="sku" value={row.sku} />
        <h3 className="adm-stock-editor__title">Change the count</h3>
        <p className="adm-hint">Positive to add units (a delivery, a return), negative to remove them.</p>
        <div className="adm-stock-editor__fields">
          <div className="adm-field">
            <label htmlFor={`delta-${id}`} className="adm-label">
              Units
            </label>
            <input
              id={`delta-${id}`}
              name="delta"
              className="adm-input adm-input--mono adm-input--narrow"
              type="text"
              inputMode="numeric"
              pattern="[+\-−]?[0-9]+"
              required
              placeholder="+12"
              autoComplete="off"
              autoFocus
              data-testid="adjust-delta"
            />
          </div>
          <div className="adm-field adm-field--grow">
            <label htmlFor={`reason-${id}`} className="adm-label">
              Reason
            </label>
            <select id={`reason-${id}`} name="reason" className="adm-input adm-select" required defaultValue="" data-testid="adjust-reason">
              <option value="" disabled>
                Choose a reason…
              </option>
              {STAFF_ADJUSTMENT_REASONS.map((r) => (
                <option key={r} value={r}>
                  {REASON_LABELS[r]}
                </option>
              ))}
            </select>
          </div>
          <div className="adm-field adm-field--grow">
            <label htmlFor={`note-${id}`} className="adm-label">
              Note <span className="adm-muted">(optional)</span>
            </label>
            <input
              id={`note-${id}`}
              name="note"
              className="adm-input"
              type="text"
              maxLength={200}
              placeholder="e.g. PO 4471"
              autoComplete="off"
            />
          </div>
          <button type="submit" className="adm-button adm-button--primary" disabled={adjusting} data-testid="adjust-submit">
            {adjusting ? <span className="adm-spinner" aria-hidden="true" /> : null}
            Apply
          </button>
        </div>
        <ActionMessage state={adjustState} testId="adjust-status" />
      </form>

      <form action={safetyAction} className="adm-stock-editor__card">
        <input type="hidden" name="sku" value={row.sku} />
        <h3 className="adm-stock-editor__title">Safety stock</h3>
        <p className="adm-hint">Units of this variant never sold online.</p>
        <div className="adm-stock-editor__fields">
          <div className="adm-field">
            <label htmlFor={`safety-${id}`} className="adm-label">
              Units
            </label>
            <input
              id={`safety-${id}`}
              name="safety"
              className="adm-input adm-input--mono adm-input--narrow"
              type="number"
              min={0}
              step={1}
              required
              defaultValue={row.safety}
              data-testid="safety-input"
            />
          </div>
          <button type="submit" className="adm-button adm-button--secondary" disabled={savingSafety} data-testid="safety-submit">
            {savingSafety ? <span className="adm-spinner" aria-hidden="true" /> : null}
            Save
          </button>
        </div>
        <ActionMessage state={safetyState} testId="safety-status" />
      </form>

      <form action={thresholdAction} className="adm-stock-editor__card">
        <input type="hidden" name="productId" value={row.productId} />
        <h3 className="adm-stock-editor__title">Low-stock threshold</h3>
        <p className="adm-hint">For every variant of {row.productName}.</p>
        <div className="adm-stock-editor__fields">
          <div className="adm-field">
            <label htmlFor={`threshold-${id}`} className="adm-label">
              Low at
            </label>
            <input
              id={`threshold-${id}`}
              name="threshold"
              className="adm-input adm-input--mono adm-input--narrow"
              type="number"
              min={0}
              max={10000}
              step={1}
              required
              defaultValue={row.lowStockThreshold}
              data-testid="threshold-input"
            />
          </div>
          <button type="submit" className="adm-button adm-button--secondary" disabled={savingThreshold} data-testid="threshold-submit">
            {savingThreshold ? <span className="adm-spinner" aria-hidden="true" /> : null}
            Save
          </button>
        </div>
        <ActionMessage state={thresholdState} testId="threshold-status" />
      </form>
    </div>
  );
}
