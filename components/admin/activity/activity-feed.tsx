"use client";

import { useEffect, useState } from "react";
import type { StockEvent, StockEventType } from "@/lib/shared/types";
import { Icon } from "../icons";
import { LivePill } from "../stock/live-pill";
import { useAdminFeed } from "../use-admin-feed";
import { EventHead, EventRow, eventKey } from "./event-row";

export interface FeedFilter {
  sku?: string;
  types?: StockEventType[];
  source?: string;
  from?: number;
  to?: number;
}

const MAX_ROWS = 500;

function matches(e: StockEvent, f: FeedFilter): boolean {
  return (
    (!f.sku || e.sku === f.sku) &&
    (!f.types?.length || f.types.includes(e.type)) &&
    (!f.source || e.source === f.source) &&
    (f.from === undefined || e.at >= f.from) &&
    (f.to === undefined || e.at < f.to)
  );
}

/** Prepend events not shown yet, newest first. */
function prepend(list: StockEvent[], incoming: StockEvent[]): StockEvent[] {
  const seen = new Set(list.map(eventKey));
  const fresh = incoming.filter((e) => !seen.has(eventKey(e)));
  if (fresh.length === 0) return list;
  return [...fresh.sort((a, b) => b.at - a.at || b.version - a.version), ...list].slice(0, MAX_ROWS);
}

/**
 * The ledger's newest events with the admin feed's new ones sliding in at the top. Live only
 * on the first page (older pages are a fixed window); pausing holds new events in a buffer.
 * Keyed by its query on the page, so other filters start a fresh list.
 */
export function ActivityFeed({
  initial,
  filter,
  live,
  serverNow,
}: {
  initial: StockEvent[];
  filter: FeedFilter;
  live: boolean;
  serverNow: number;
}) {
  const [events, setEvents] = useState(initial);
  const [fresh, setFresh] = useState<Set<string>>(() => new Set());
  const [paused, setPaused] = useState(false);
  const [buffer, setBuffer] = useState<StockEvent[]>([]);
  const [now, setNow] = useState(serverNow);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);

  const status = useAdminFeed({
    event: (e) => {
      if (!live || !matches(e, filter)) return;
      if (paused) {
        setBuffer((b) => [e, ...b].slice(0, MAX_ROWS));
        return;
      }
      setEvents((list) => prepend(list, [e]));
      setFresh((s) => new Set(s).add(eventKey(e)));
      setNow(Date.now());
    },
  });

  const resume = () => {
    setEvents((list) => prepend(list, buffer));
    setFresh(new Set(buffer.map(eventKey)));
    setBuffer([]);
    setPaused(false);
    setNow(Date.now());
  };

  return (
    <section className="adm-box" aria-labelledby="events-title">
      <div className="adm-box__head adm-stock__head">
        <div>
          <h2 id="events-title" className="adm-box__title">
            Events
          </h2>
          <p className="adm-muted">
            {live ? "New events appear at the top as they happen." : "An older page: live updates show on the first page."}
          </p>
        </div>
        {live ? (
          <div className="adm-feed-controls">
            <LivePill status={status} paused={paused} />
            {paused ? (
              <button type="button" className="adm-button adm-button--primary adm-button--small" onClick={resume} data-testid="feed-resume">
                Resume{buffer.length ? ` · ${buffer.length} new` : ""}
              </button>
            ) : (
              <button
                type="button"
                className="adm-button adm-button--secondary adm-button--small"
                onClick={() => setPaused(true)}
                data-testid="feed-pause"
              >
                Pause
              </button>
            )}
          </div>
        ) : null}
      </div>
      {events.length === 0 ? (
        <div className="adm-empty" data-testid="events-empty">
          <Icon name="activity" />
          <p>No events match these filters{live ? " yet — new ones will appear here." : "."}</p>
        </div>
      ) : (
        <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
          <table className="adm-table adm-events-table" data-testid="events-table">
            <EventHead />
            <tbody aria-live="off">
              {events.map((e) => (
                <EventRow key={eventKey(e)} event={e} now={now} fresh={fresh.has(eventKey(e))} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
