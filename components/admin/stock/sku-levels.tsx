"use client";

import { useState } from "react";
import type { StockRow } from "@/lib/stock";
import { useAdminFeed } from "../use-admin-feed";
import { LivePill } from "./live-pill";
import { applyEvent, newer, STATE_LABELS, stockState } from "./stock-state";

/** One SKU's counters, following the admin feed (newer versions only). */
export function SkuLevels({ initial }: { initial: StockRow }) {
  const [row, setRow] = useState(initial);
  // A fresh server render merges in (newest version wins), adjusted during render as React advises.
  const [seen, setSeen] = useState(initial);
  if (seen !== initial) {
    setSeen(initial);
    setRow((prev) => newer(prev, initial));
  }
  const status = useAdminFeed({ event: (e) => setRow((prev) => ({ ...prev, ...applyEvent(prev, e) })) });
  const state = stockState(row.available, row.lowStockThreshold);
  const figures = [
    { label: "Available", value: Math.max(0, row.available), note: STATE_LABELS[state], tone: state },
    { label: "On hand", value: row.onHand, note: "physical units" },
    { label: "Held", value: row.reserved, note: "in shoppers' carts" },
    { label: "Safety", value: row.safety, note: "kept back from online sale" },
    { label: "Low at", value: row.lowStockThreshold, note: "product threshold" },
  ];
  return (
    <section className="adm-sku-levels" aria-label="Current levels" data-testid="sku-levels" data-version={row.version}>
      <div className="adm-sku-levels__grid">
        {figures.map((f) => (
          <div key={f.label} className={`adm-stat${f.tone ? ` adm-stat--${f.tone}` : ""}`}>
            <p className="adm-stat__label">{f.label}</p>
            <p className="adm-stat__value" data-testid={`level-${f.label.toLowerCase().replace(/\s+/g, "-")}`}>
              {f.value.toLocaleString("en-US")}
            </p>
            <p className="adm-stat__note">{f.note}</p>
          </div>
        ))}
      </div>
      <p className="adm-sku-levels__foot adm-muted">
        <LivePill status={status} /> Version {row.version}
      </p>
    </section>
  );
}
