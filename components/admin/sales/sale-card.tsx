"use client";

import { useActionState } from "react";
import { controlSale, type ControlSaleState } from "@/app/admin/actions/control-sale";
import { setSaleRate, type SetSaleRateState } from "@/app/admin/actions/set-sale-rate";
import type { SaleAction, SaleCounters, SaleDefinition, SaleStatus } from "@/lib/sales";
import { ActionMessage } from "../action-message";
import { useSaleCounters } from "./use-sale-counters";

const STATUS_LABEL: Record<SaleStatus, string> = {
  scheduled: "Scheduled",
  starting: "Starting",
  live: "Live",
  paused: "Paused",
  soldout: "Sold out",
  closed: "Closed",
};

const ACTIONS: Record<SaleStatus, SaleAction[]> = {
  scheduled: ["start", "close"],
  starting: ["close"],
  live: ["pause", "close"],
  paused: ["resume", "close"],
  soldout: ["close"],
  closed: [],
};

const ACTION_LABEL: Record<SaleAction, string> = { start: "Start now", pause: "Pause", resume: "Resume", close: "Close sale" };

const when = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
const n = (v: number) => v.toLocaleString("en-US");

/** One sale: its live line (waiting, admitted, rate, units) and the controls its status allows. */
export function SaleCard({ sale, initial }: { sale: SaleDefinition; initial: SaleCounters | null }) {
  const open = sale.status !== "closed";
  const { counters, live } = useSaleCounters(sale.id, initial, open);
  const status: SaleStatus = open ? (counters?.status ?? sale.status) : "closed";
  const [controlState, controlAction, controlPending] = useActionState<ControlSaleState, FormData>(controlSale, { ok: null });
  const [rateState, rateAction, ratePending] = useActionState<SetSaleRateState, FormData>(setSaleRate, { ok: null });
  const figures = counters
    ? [
        {
          key: "waiting",
          label: "In line",
          value: n(counters.waiting + counters.prequeue),
          note: counters.prequeue ? `${n(counters.prequeue)} before the start` : "waiting now",
        },
        { key: "admitted", label: "Admitted", value: n(counters.admitted), note: "turns given so far" },
        { key: "rate", label: "Admissions / s", value: String(counters.rate), note: `limit ${sale.admissionRate} / s` },
        { key: "units", label: "Units left", value: n(counters.unitsLeft), note: "free to add to a cart" },
        {
          key: "unsold",
          label: "Not yet sold",
          value: n(counters.stockLeft),
          note: `${n(Math.max(0, counters.stockLeft - counters.unitsLeft))} in carts`,
        },
      ]
    : [];

  return (
    <article className={`adm-sale adm-sale--${status}`} data-testid={`sale-${sale.id}`} aria-labelledby={`sale-${sale.id}-name`}>
      <header className="adm-sale__head">
        <div className="adm-sale__title">
          <h3 id={`sale-${sale.id}-name`} className="adm-box__title">
            {sale.name}
          </h3>
          <p className="adm-muted">
            <code className="adm-sku">{sale.id}</code> · {sale.skus.length} {sale.skus.length === 1 ? "SKU" : "SKUs"} · starts{" "}
            {when.format(sale.startsAt)} UTC · {sale.perShopperLimit} per shopper · {Math.round(sale.admissionWindowSeconds / 6) / 10} min
            window
          </p>
        </div>
        <span className={`adm-sale-status adm-sale-status--${status}`} data-testid={`sale-status-${sale.id}`}>
          {STATUS_LABEL[status]}
          {open && live ? <span className="adm-live-dot" title="Live counters" role="img" aria-label="live" /> : null}
        </span>
      </header>

      {figures.length ? (
        <dl className="adm-sale__figures">
          {figures.map((f) => (
            <div key={f.key} className="adm-sale__figure">
              <dt>{f.label}</dt>
              <dd data-testid={`sale-figure-${f.key}-${sale.id}`}>{f.value}</dd>
              <dd className="adm-muted adm-sale__note">{f.note}</dd>
            </div>
          ))}
        </dl>
      ) : open ? (
        <p className="adm-muted">Live counters are unavailable right now.</p>
      ) : null}

      <p className="adm-sale__skus adm-muted">
        {sale.skus.map((s) => (
          <code key={s} className="adm-chip">
            {s}
          </code>
        ))}
      </p>

      {open ? (
        <div className="adm-sale__controls">
          <form action={controlAction} className="adm-sale__buttons">
            <input type="hidden" name="saleId" value={sale.id} />
            {ACTIONS[status].map((a) => (
              <button
                key={a}
                type="submit"
                name="action"
                value={a}
                disabled={controlPending}
                className={`adm-button adm-button--small ${a === "close" ? "adm-button--danger-quiet" : a === "pause" ? "adm-button--secondary" : "adm-button--primary"}`}
                data-testid={`sale-${a}-${sale.id}`}
              >
                {ACTION_LABEL[a]}
              </button>
            ))}
          </form>
          <form action={rateAction} className="adm-sale__rate">
            <input type="hidden" name="saleId" value={sale.id} />
            <label htmlFor={`rate-${sale.id}`} className="adm-label">
              Admit per second
            </label>
            <input
              id={`rate-${sale.id}`}
              name="admissionRate"
              type="number"
              min="0.1"
              step="0.1"
              max="10000"
              required
              defaultValue={sale.admissionRate}
              className="adm-input adm-input--small"
              data-testid={`sale-rate-input-${sale.id}`}
            />
            <button
              type="submit"
              className="adm-button adm-button--small adm-button--secondary"
              disabled={ratePending}
              data-testid={`sale-rate-${sale.id}`}
            >
              Set rate
            </button>
          </form>
        </div>
      ) : null}
      <ActionMessage state={controlState} testId={`sale-message-${sale.id}`} />
      <ActionMessage state={rateState} testId={`sale-rate-message-${sale.id}`} />
    </article>
  );
}
