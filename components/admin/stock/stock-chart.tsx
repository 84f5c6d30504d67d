// Available and on-hand units over time as an inline SVG step chart, from a SKU's ledger events.
import type { StockEvent } from "@/lib/shared/types";

const W = 760;
const H = 260;
const PAD = { top: 16, right: 16, bottom: 34, left: 44 };
const DAY = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const CLOCK = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });

/** A whole-number grid step so that four steps cover n (1, 2, 5, 10, 20, 50, …). */
function niceStep(n: number): number {
  const raw = Math.max(1, Math.ceil(n / 4));
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= raw) return step * magnitude;
  return 10 * magnitude;
}

const SECONDS = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "UTC" });

function label(t: number, spanMs: number): string {
  const d = new Date(t);
  if (spanMs > 36 * 3600_000) return DAY.format(d);
  return spanMs > 10 * 60_000 ? CLOCK.format(d) : SECONDS.format(d);
}

/** A step path through (t, value) points, held flat until `end`. */
function stepPath(points: { t: number; v: number }[], x: (t: number) => number, y: (v: number) => number, end: number): string {
  if (points.length === 0) return "";
  let d = `M${x(points[0]!.t).toFixed(1)},${y(points[0]!.v).toFixed(1)}`;
  for (let i = 1; i < points.length; i++) d += `H${x(points[i]!.t).toFixed(1)}V${y(points[i]!.v).toFixed(1)}`;
  return `${d}H${x(end).toFixed(1)}`;
}

export function StockChart({ events, now }: { events: StockEvent[]; now: number }) {
  if (events.length === 0) {
    return <p className="adm-empty">No events in the ledger yet: the chart starts with the first change.</p>;
  }
  const start = events[0]!.at;
  const lastAt = events.at(-1)!.at;
  // The last level is held on to the right edge: until now, or (when the history is short and
  // old) a little past the last event, so a burst of changes is not squeezed into a sliver.
  const end = Math.max(lastAt + 1, Math.min(now, lastAt + Math.max((lastAt - start) * 0.15, 5_000)));
  const span = end - start || 1;
  const step = niceStep(Math.max(...events.map((e) => e.onHand), 1));
  const top = step * 4;
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + ((t - start) / span) * iw;
  const y = (v: number) => PAD.top + ih - (Math.max(0, v) / top) * ih;
  const onHand = events.map((e) => ({ t: e.at, v: e.onHand }));
  const available = events.map((e) => ({ t: e.at, v: Math.max(0, e.available) }));
  const onHandPath = stepPath(onHand, x, y, end);
  const area = `${onHandPath}V${y(0).toFixed(1)}H${x(start).toFixed(1)}Z`;
  const yTicks = [0, step, 2 * step, 3 * step, top];
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => start + f * span);
  const last = events.at(-1)!;

  return (
    // Focusable: on a phone the chart scrolls sideways, and keyboard users must be able to scroll it too.
    <figure
      className="adm-chart"
      data-testid="stock-chart"
      data-points={events.length}
      tabIndex={0}
      aria-label="Stock over time (scrolls sideways on small screens)"
    >
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-title chart-desc" className="adm-chart__svg">
        <title id="chart-title">Available and on-hand units over time</title>
        <desc id="chart-desc">
          {events.length} events from {new Date(start).toISOString()}; now {last.onHand} on hand and {Math.max(0, last.available)}{" "}
          available.
        </desc>
        {yTicks.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} className="adm-chart__grid" />
            <text x={PAD.left - 8} y={y(v)} className="adm-chart__tick" textAnchor="end" dominantBaseline="middle">
              {v.toLocaleString("en-US")}
            </text>
          </g>
        ))}
        {xTicks.map((t, i) => (
          <text
            key={t}
            x={x(t)}
            y={H - 10}
            className="adm-chart__tick"
            textAnchor={i === 0 ? "start" : i === xTicks.length - 1 ? "end" : "middle"}
          >
            {i === xTicks.length - 1 && end === now ? "now" : label(t, span)}
          </text>
        ))}
        <path d={area} className="adm-chart__area" />
        <path d={onHandPath} className="adm-chart__line adm-chart__line--onhand" />
        <path d={stepPath(available, x, y, end)} className="adm-chart__line adm-chart__line--available" />
        <circle cx={x(end)} cy={y(Math.max(0, last.available))} r={4} className="adm-chart__dot" />
      </svg>
      <figcaption className="adm-chart__legend">
        <span className="adm-chart__key adm-chart__key--available">Available</span>
        <span className="adm-chart__key adm-chart__key--onhand">On hand</span>
        <span className="adm-muted">{events.length === 1 ? "1 event" : `${events.length} events`} · times in UTC</span>
      </figcaption>
    </figure>
  );
}
