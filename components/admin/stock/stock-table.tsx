"use client";

import Link from "next/link";
import { Fragment, useEffect, useMemo, useOptimistic, useState } from "react";
import type { StockRow } from "@/lib/stock";
import { formatDateTime, formatRelative } from "../format";
import { Icon } from "../icons";
import { useAdminFeed } from "../use-admin-feed";
import { LivePill } from "./live-pill";
import { StockEditor, type StockChange } from "./stock-editor";
import { applyEvent, newer, STATE_LABELS, stockState } from "./stock-state";

type SortKey = "product" | "onHand" | "reserved" | "safety" | "available" | "lowStockThreshold" | "changedAt";
type Filter = "all" | "low" | "sold_out";

export type OptimisticRow = StockRow & { pending?: boolean };

function reduce(rows: OptimisticRow[], change: StockChange): OptimisticRow[] {
  return rows.map((r) => {
    switch (change.kind) {
      case "adjust":
        return r.sku === change.sku ? { ...r, onHand: r.onHand + change.delta, available: r.available + change.delta, pending: true } : r;
      case "safety":
        return r.sku === change.sku ? { ...r, safety: change.safety, available: r.onHand - r.reserved - change.safety, pending: true } : r;
      case "threshold":
        return r.productId === change.productId ? { ...r, lowStockThreshold: change.threshold, pending: true } : r;
    }
  });
}

const COLUMNS: { key: SortKey; label: string; numeric?: boolean; title?: string }[] = [
  { key: "product", label: "Product" },
  { key: "onHand", label: "On hand", numeric: true, title: "Physical units" },
  { key: "reserved", label: "Held", numeric: true, title: "Reserved by shoppers' live holds" },
  { key: "safety", label: "Safety", numeric: true, title: "Kept back from online sale" },
  { key: "available", label: "Available", numeric: true, title: "On hand − held − safety" },
  { key: "lowStockThreshold", label: "Low at", numeric: true, title: "The product's low-stock threshold" },
  { key: "changedAt", label: "Last change" },
];

/** Every SKU with live counters: search, filters, sorting, and inline changes per row. */
export function StockTable({ initialRows, serverNow }: { initialRows: StockRow[]; serverNow: number }) {
  const [rows, setRows] = useState<OptimisticRow[]>(initialRows);
  const [optimisticRows, applyOptimistic] = useOptimistic(rows, reduce);
  const [query, setQuery] = useState("");
  const [filter, setFilter] = useState<Filter>("all");
  const [product, setProduct] = useState("");
  const [sort, setSort] = useState<{ key: SortKey; dir: "asc" | "desc" }>({ key: "product", dir: "asc" });
  const [open, setOpen] = useState<string | null>(null);
  const [now, setNow] = useState(serverNow);

  // A fresh server render (after an action's revalidation, or a new SKU) merges in, newest
  // version wins; adjusted during render, as React advises for state that follows a prop.
  const [seenRows, setSeenRows] = useState(initialRows);
  if (seenRows !== initialRows) {
    setSeenRows(initialRows);
    setRows((prev) => {
      const byId = new Map(prev.map((r) => [r.sku, r]));
      return initialRows.map((r) => {
        const known = byId.get(r.sku);
        return known ? { ...newer(known, r), lowStockThreshold: r.lowStockThreshold } : r;
      });
    });
  }

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);

  const status = useAdminFeed({
    event: (e) =>
      setRows((prev) => (prev.some((r) => r.sku === e.sku && e.version > r.version) ? prev.map((r) => applyEvent(r, e)) : prev)),
  });

  const products = useMemo(() => {
    const seen = new Map<string, string>();
    for (const r of rows) seen.set(r.productId, r.productName);
    return [...seen].sort((a, b) => a[1].localeCompare(b[1]));
  }, [rows]);

  const counts = useMemo(() => {
    let low = 0;
    let out = 0;
    let onHand = 0;
    let held = 0;
    for (const r of optimisticRows) {
      const s = stockState(r.available, r.lowStockThreshold);
      if (s === "sold_out") out++;
      else if (s === "low_stock") low++;
      onHand += r.onHand;
      held += r.reserved;
    }
    return { low, out, onHand, held };
  }, [optimisticRows]);

  const visible = useMemo(() => {
    const q = query.trim().toLowerCase();
    const list = optimisticRows.filter((r) => {
      if (product && r.productId !== product) return false;
      const s = stockState(r.available, r.lowStockThreshold);
      if (filter === "low" && s !== "low_stock") return false;
      if (filter === "sold_out" && s !== "sold_out") return false;
      return !q || r.sku.toLowerCase().includes(q) || r.productName.toLowerCase().includes(q) || r.label.toLowerCase().includes(q);
    });
    const dir = sort.dir === "asc" ? 1 : -1;
    return list.sort((a, b) => {
      const primary =
        sort.key === "product"
          ? a.productName.localeCompare(b.productName) || a.label.localeCompare(b.label)
          : sort.key === "changedAt"
            ? (a.changedAt ?? 0) - (b.changedAt ?? 0)
            : a[sort.key] - b[sort.key];
      return primary * dir || a.sku.localeCompare(b.sku);
    });
  }, [optimisticRows, query, filter, product, sort]);

  const toggleSort = (key: SortKey) =>
    setSort((s) => (s.key === key ? { key, dir: s.dir === "asc" ? "desc" : "asc" } : { key, dir: key === "product" ? "asc" : "desc" }));

  const commit = (row: StockRow) => setRows((prev) => prev.map((r) => (r.sku === row.sku ? newer(r, row) : r)));
  const commitThreshold = (productId: string, threshold: number) =>
    setRows((prev) => prev.map((r) => (r.productId === productId ? { ...r, lowStockThreshold: threshold } : r)));

  return (
    <>
      <section aria-label="Stock at a glance" className="adm-stats">
        <button
          type="button"
          className={`adm-stat adm-stat--button${filter === "all" ? " adm-stat--active" : ""}`}
          onClick={() => setFilter("all")}
        >
          <span className="adm-stat__label">SKUs</span>
          <span className="adm-stat__value">{optimisticRows.length.toLocaleString("en-US")}</span>
          <span className="adm-stat__note">{counts.onHand.toLocaleString("en-US")} units on hand</span>
        </button>
        <button
          type="button"
          className={`adm-stat adm-stat--button adm-stat--low${filter === "low" ? " adm-stat--active" : ""}`}
          onClick={() => setFilter("low")}
          data-testid="stat-low"
        >
          <span className="adm-stat__label">Low stock</span>
          <span className="adm-stat__value">{counts.low}</span>
          <span className="adm-stat__note">at or under their threshold</span>
        </button>
        <button
          type="button"
          className={`adm-stat adm-stat--button adm-stat--out${filter === "sold_out" ? " adm-stat--active" : ""}`}
          onClick={() => setFilter("sold_out")}
          data-testid="stat-sold-out"
        >
          <span className="adm-stat__label">Sold out</span>
          <span className="adm-stat__value">{counts.out}</span>
          <span className="adm-stat__note">nothing left to sell online</span>
        </button>
        <div className="adm-stat">
          <p className="adm-stat__label">Held in carts</p>
          <p className="adm-stat__value">{counts.held.toLocaleString("en-US")}</p>
          <p className="adm-stat__note">units in live holds</p>
        </div>
      </section>

      <section className="adm-box" aria-labelledby="stock-title">
        <div className="adm-box__head adm-stock__head">
          <div>
            <h2 id="stock-title" className="adm-box__title">
              Every SKU
            </h2>
            <p className="adm-muted">Counts change here the moment a shopper holds, buys or returns units.</p>
          </div>
          <LivePill status={status} />
        </div>

        <div className="adm-toolbar" role="search">
          <label className="adm-search">
            <span className="adm-sr-only">Search by product or SKU</span>
            <svg
              className="adm-icon"
              viewBox="0 0 24 24"
              fill="none"
              stroke="currentColor"
              strokeWidth="1.7"
              strokeLinecap="round"
              aria-hidden="true"
            >
              <path d="M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM20 20l-4-4" />
            </svg>
            <input
              type="search"
              className="adm-input"
              placeholder="Search product or SKU"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              data-testid="stock-search"
            />
          </label>
          <div className="adm-segmented" role="group" aria-label="Show">
            {(["all", "low", "sold_out"] as const).map((f) => (
              <button
                key={f}
                type="button"
                aria-pressed={filter === f}
                className="adm-segmented__item"
                onClick={() => setFilter(f)}
                data-testid={`stock-filter-${f}`}
              >
                {f === "all" ? "All" : f === "low" ? "Low stock" : "Sold out"}
              </button>
            ))}
          </div>
          <label className="adm-field adm-toolbar__product">
            <span className="adm-sr-only">Product</span>
            <select
              className="adm-input adm-select"
              value={product}
              onChange={(e) => setProduct(e.target.value)}
              data-testid="stock-product"
            >
              <option value="">All products</option>
              {products.map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        </div>

        <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
          <table className="adm-table adm-stock-table" data-testid="stock-table">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th
                    key={c.key}
                    scope="col"
                    className={c.numeric ? "adm-num" : undefined}
                    aria-sort={sort.key === c.key ? (sort.dir === "asc" ? "ascending" : "descending") : undefined}
                    title={c.title}
                  >
                    <button type="button" className="adm-sort" onClick={() => toggleSort(c.key)} data-testid={`sort-${c.key}`}>
                      {c.label}
                      <span className="adm-sort__arrow" aria-hidden="true">
                        {sort.key === c.key ? (sort.dir === "asc" ? "↑" : "↓") : "↕"}
                      </span>
                    </button>
                  </th>
                ))}
                <th scope="col">
                  <span className="adm-sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {visible.map((r) => {
                const state = stockState(r.available, r.lowStockThreshold);
                const editing = open === r.sku;
                return (
                  <Fragment key={r.sku}>
                    <tr
                      className={`adm-stock-row adm-stock-row--${state}${r.pending ? " adm-stock-row--pending" : ""}${editing ? " adm-stock-row--open" : ""}`}
                      data-testid={`stock-row-${r.sku}`}
                      data-version={r.version}
                      data-available={Math.max(0, r.available)}
                    >
                      <td data-label="Product">
                        <Link href={`/admin/stock/${r.sku}`} className="adm-stock-sku">
                          <span className="adm-stock-sku__name">{r.productName}</span>
                          <span className="adm-stock-sku__meta">
                            {r.label} · <span className="adm-mono">{r.sku}</span>
                            {r.location !== "main" ? ` · ${r.location}` : ""}
                          </span>
                        </Link>
                      </td>
                      <td className="adm-num" data-label="On hand" data-testid="cell-onhand">
                        {r.onHand}
                      </td>
                      <td className="adm-num" data-label="Held" data-testid="cell-reserved">
                        {r.reserved || <span className="adm-faint">0</span>}
                      </td>
                      <td className="adm-num" data-label="Safety" data-testid="cell-safety">
                        {r.safety || <span className="adm-faint">0</span>}
                      </td>
                      <td className="adm-num" data-label="Available">
                        <span className={`adm-level adm-level--${state}`} title={STATE_LABELS[state]} data-testid="cell-available">
                          {Math.max(0, r.available)}
                        </span>
                      </td>
                      <td className="adm-num" data-label="Low at">
                        {r.lowStockThreshold}
                      </td>
                      <td className="adm-table__nowrap adm-muted" data-label="Last change">
                        {r.changedAt ? (
                          <time dateTime={new Date(r.changedAt).toISOString()} title={formatDateTime(new Date(r.changedAt))}>
                            {formatRelative(new Date(r.changedAt), new Date(now))}
                          </time>
                        ) : (
                          "—"
                        )}
                        {!r.live ? <span className="adm-pill adm-pill--warn">no live count</span> : null}
                      </td>
                      <td className="adm-table__actions">
                        <button
                          type="button"
                          className={`adm-button adm-button--small ${editing ? "adm-button--quiet" : "adm-button--secondary"}`}
                          aria-expanded={editing}
                          aria-controls={`editor-${r.sku}`}
                          onClick={() => setOpen(editing ? null : r.sku)}
                          data-testid={`stock-edit-${r.sku}`}
                        >
                          {editing ? "Close" : "Adjust"}
                        </button>
                      </td>
                    </tr>
                    {editing ? (
                      <tr className="adm-stock-editor-row" id={`editor-${r.sku}`}>
                        <td colSpan={COLUMNS.length + 1}>
                          <StockEditor row={r} onOptimistic={applyOptimistic} onCommit={commit} onThreshold={commitThreshold} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
          {visible.length === 0 ? (
            <div className="adm-empty adm-stock__empty" data-testid="stock-empty">
              <Icon name="stock" />
              <p>{rows.length === 0 ? "No SKUs yet. Create one with PUT /api/v1/admin/skus/:sku." : "No SKU matches these filters."}</p>
            </div>
          ) : null}
        </div>
      </section>
    </>
  );
}
