// One stock event as a table row; used by the Activity screen (live) and a SKU's history.
import Link from "next/link";
import type { StockEvent, StockEventType } from "@/lib/shared/types";
import { formatDateTime, formatRelative } from "../format";
import { signed } from "../stock/stock-state";

export const EVENT_LABELS: Record<StockEventType, string> = {
  hold: "Hold",
  release: "Release",
  expire: "Expired hold",
  sale: "Sale",
  adjust: "Adjustment",
  restock: "Restock",
  channel: "Channel",
  set: "Set",
  rebuild: "Rebuild",
};

/** Which counter a delta moved: `available` for holds, `onHand` for everything else. */
export function deltaUnit(type: StockEventType): string {
  return type === "hold" || type === "release" || type === "expire" ? "available" : "on hand";
}

export function eventKey(e: Pick<StockEvent, "sku" | "version">): string {
  return `${e.sku}:${e.version}`;
}

const TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "UTC" });

export function EventRow({
  event: e,
  now,
  showSku = true,
  fresh = false,
}: {
  event: StockEvent;
  now: number;
  showSku?: boolean;
  fresh?: boolean;
}) {
  const at = new Date(e.at);
  return (
    <tr
      className={`adm-event${fresh ? " adm-event--fresh" : ""}`}
      data-testid="event-row"
      data-sku={e.sku}
      data-version={e.version}
      data-type={e.type}
    >
      <td className="adm-table__nowrap" data-label="Time">
        <time dateTime={at.toISOString()} title={formatDateTime(at)} className="adm-event__time">
          <span>{TIME.format(at)}</span>
          <span className="adm-muted">{formatRelative(at, new Date(now))}</span>
        </time>
      </td>
      <td data-label="Event">
        <span className={`adm-etype adm-etype--${e.type}`}>{EVENT_LABELS[e.type] ?? e.type}</span>
      </td>
      {showSku ? (
        <td data-label="SKU">
          <Link href={`/admin/stock/${e.sku}`} className="adm-mono adm-event__sku">
            {e.sku}
          </Link>
        </td>
      ) : null}
      <td className="adm-num" data-label="Change">
        <span
          className={`adm-delta adm-delta--${e.delta > 0 ? "up" : e.delta < 0 ? "down" : "flat"}`}
          title={`Change of ${deltaUnit(e.type)}`}
        >
          {signed(e.delta)}
        </span>
      </td>
      <td className="adm-num adm-table__nowrap" data-label="Result">
        <span
          className="adm-event__levels"
          title={`On hand ${e.onHand} · held ${e.reserved} · safety ${e.safety} · available ${e.available}`}
        >
          <span>{e.onHand}</span>
          <span className="adm-muted">/</span>
          <span>{e.reserved}</span>
          <span className="adm-muted">/</span>
          <strong>{Math.max(0, e.available)}</strong>
        </span>
      </td>
      <td data-label="By">
        <span className="adm-event__who">
          <span className="adm-source">{e.source}</span>
          {e.actor ? <span className="adm-muted adm-event__actor">{e.actor}</span> : null}
        </span>
      </td>
      <td className="adm-event__reason" data-label="Reason">
        {e.reason ?? <span className="adm-faint">—</span>}
      </td>
    </tr>
  );
}

/** The column heads matching EventRow. */
export function EventHead({ showSku = true }: { showSku?: boolean }) {
  return (
    <thead>
      <tr>
        <th scope="col">Time (UTC)</th>
        <th scope="col">Event</th>
        {showSku ? <th scope="col">SKU</th> : null}
        <th scope="col" className="adm-num">
          Change
        </th>
        <th scope="col" className="adm-num" title="On hand / held / available after the event">
          On hand / held / avail.
        </th>
        <th scope="col">Source · actor</th>
        <th scope="col">Reason</th>
      </tr>
    </thead>
  );
}
