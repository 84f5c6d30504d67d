"use client";

import { useActionState, useState } from "react";
import { createSale, type CreateSaleState } from "@/app/admin/actions/create-sale";
import type { SkuChoice } from "@/lib/backoffice";
import { ActionMessage } from "../action-message";

type FormState = CreateSaleState & { fields?: Record<string, string> };

function slug(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}

/** A start time typed in the browser's time zone, as an ISO instant (the server never guesses the zone). */
function isoFromLocal(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

/** Schedule a flash sale: name and id, its SKUs, the start and the line's settings. */
export function CreateSaleForm({ skus }: { skus: SkuChoice[] }) {
  const [state, formAction, pending] = useActionState<FormState, FormData>(
    async (prev, formData) => {
      formData.set("startsAt", isoFromLocal(String(formData.get("startsAtLocal") ?? "")));
      const result = await createSale(prev, formData);
      if (result.ok !== false) return result;
      const fields: Record<string, string> = {};
      for (const k of ["name", "id", "skuList", "startsAtLocal", "admissionRate", "perShopperLimit", "admissionWindowSeconds"])
        fields[k] = String(formData.get(k) ?? "");
      return { ...result, fields };
    },
    { ok: null },
  );
  const fields = state.ok === false ? state.fields : undefined;
  const [id, setId] = useState("");
  const [idTouched, setIdTouched] = useState(false);

  return (
    <form action={formAction} className="adm-form" data-testid="create-sale-form">
      <div className="adm-form__grid">
        <div className="adm-field">
          <label htmlFor="sale-name" className="adm-label">
            Name
          </label>
          <input
            id="sale-name"
            name="name"
            className="adm-input"
            required
            maxLength={200}
            placeholder="Spring drop"
            defaultValue={fields?.name ?? ""}
            onChange={(e) => {
              if (!idTouched) setId(slug(e.target.value));
            }}
            data-testid="sale-name"
          />
        </div>
        <div className="adm-field">
          <label htmlFor="sale-id" className="adm-label">
            Id (in the sale&rsquo;s address)
          </label>
          <input
            id="sale-id"
            name="id"
            className="adm-input adm-input--mono"
            required
            maxLength={64}
            pattern="[a-z0-9]+(-[a-z0-9]+)*"
            placeholder="spring-drop"
            value={idTouched || !fields ? id : (fields.id ?? id)}
            onChange={(e) => {
              setIdTouched(true);
              setId(e.target.value);
            }}
            aria-describedby="sale-id-hint"
            data-testid="sale-id"
          />
          <p id="sale-id-hint" className="adm-hint">
            Lower-case words joined by “-”: /sales/{id || "spring-drop"}
          </p>
        </div>
        <div className="adm-field">
          <label htmlFor="sale-start" className="adm-label">
            Starts at (your time)
          </label>
          <input
            id="sale-start"
            name="startsAtLocal"
            type="datetime-local"
            className="adm-input"
            required
            defaultValue={fields?.startsAtLocal ?? ""}
            data-testid="sale-start"
          />
        </div>
      </div>

      <fieldset className="adm-field adm-sku-picker">
        <legend className="adm-label">SKUs</legend>
        <div className="adm-sku-picker__list" data-testid="sale-sku-picker">
          {skus.map((s) => (
            <label key={s.sku} className="adm-sku-option">
              <input type="checkbox" name="sku" value={s.sku} data-testid={`sale-sku-${s.sku}`} />
              <span>
                <code className="adm-sku">{s.sku}</code>
                <span className="adm-muted">
                  {s.product} · {s.label}
                </span>
              </span>
            </label>
          ))}
        </div>
        <input
          name="skuList"
          className="adm-input adm-input--mono"
          placeholder="…or type SKU codes, comma-separated"
          aria-label="SKU codes, comma-separated"
          defaultValue={fields?.skuList ?? ""}
          data-testid="sale-sku-list"
        />
      </fieldset>

      <div className="adm-form__footer">
        <div className="adm-sale-settings">
          <div className="adm-field">
            <label htmlFor="sale-rate" className="adm-label">
              Admit per second
            </label>
            <input
              id="sale-rate"
              name="admissionRate"
              type="number"
              min="0.1"
              step="0.1"
              max="10000"
              required
              className="adm-input"
              defaultValue={fields?.admissionRate ?? "5"}
              data-testid="sale-rate"
            />
          </div>
          <div className="adm-field">
            <label htmlFor="sale-limit" className="adm-label">
              Units per shopper
            </label>
            <input
              id="sale-limit"
              name="perShopperLimit"
              type="number"
              min="1"
              max="100"
              required
              className="adm-input"
              defaultValue={fields?.perShopperLimit ?? "1"}
              data-testid="sale-limit"
            />
          </div>
          <div className="adm-field">
            <label htmlFor="sale-window" className="adm-label">
              Turn length (s)
            </label>
            <input
              id="sale-window"
              name="admissionWindowSeconds"
              type="number"
              min="10"
              max="3600"
              required
              className="adm-input"
              defaultValue={fields?.admissionWindowSeconds ?? "120"}
              data-testid="sale-window"
            />
          </div>
        </div>
        <button type="submit" className="adm-button adm-button--primary" disabled={pending} data-testid="create-sale-submit">
          {pending ? <span className="adm-spinner" aria-hidden="true" /> : null}
          Schedule sale
        </button>
      </div>
      <ActionMessage state={state} testId="create-sale-status" />
    </form>
  );
}
