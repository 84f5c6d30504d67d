"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { Response } from "@/lib/shared/protocol";
import type { QueueFrame, QueueSnapshot, SaleCounters, TicketState, TicketView } from "@/lib/sales";
import { useRealtime } from "../realtime/realtime-provider";
import type { ConnectionStatus } from "../realtime/live-stock";
import { applyFrame, fromSnapshot, type QueueModel } from "./queue-model";

const ACK_TIMEOUT_MS = 5_000;
const RETRY_MS = 2_000;
const CONNECT_GRACE_MS = 2_000;
const MAX_FETCH_RETRIES = 5;

export interface QueueInit {
  saleId: string;
  /** This shopper's ticket id (derived from the session, whether or not it has joined). */
  ticketId: string;
  admissionWindowSeconds: number;
  counters: SaleCounters;
  ticket: TicketView | null;
  token: string | null;
}

/** GET /api/v1/sales/:saleId/queue/:ticket, as far as this hook reads it. */
interface TicketStatusBody {
  state: TicketState;
  position: number;
  seq: number;
  units: number;
  token?: string;
  expiresAt?: string;
}

export interface Queue {
  model: QueueModel;
  connection: ConnectionStatus;
  /** The current time on the server's (Redis's) clock, in ms; ticks twice a second. */
  now: number;
  /** Show a result of joining or leaving at once, then ask the gateway for the exact place. */
  adopt: (next: (current: TicketView | null) => TicketView | null) => void;
  /** Ask for the ticket's status over HTTP (the token, the units taken under the turn). */
  refreshStatus: () => void;
}

/**
 * The shopper's live place in a flash sale's line. Uses the tab's shared socket: `queue:watch`
 * (exact snapshot) on every (re)connect, then `queue` frames applied on top — never polled.
 * When the turn comes (`queue:admitted`, or a frame whose admittedThrough reaches this ticket)
 * the admission token is fetched from the session-bound status endpoint.
 */
export function useQueue(init: QueueInit): Queue {
  const { socket: getSocket } = useRealtime();
  const { saleId, ticketId, admissionWindowSeconds } = init;
  const [model, setModel] = useState<QueueModel>(() => {
    const first = fromSnapshot(
      { counters: init.counters, ticket: null, startPosition: 0, token: null },
      { ...init.counters, ticket: init.ticket },
    );
    // The token the page was rendered with (a reload during the turn) is good until the deadline.
    return { ...first, token: first.ticket?.state === "admitted" ? init.token : null };
  });
  const modelRef = useRef(model);
  const [connection, setConnection] = useState<ConnectionStatus>("connecting");
  // Start on the server's time so the server render and hydration agree; tick after mount.
  const [serverNowAtRender] = useState(init.counters.now);
  const [now, setNow] = useState(serverNowAtRender);
  const offsetRef = useRef(0);
  const controlRef = useRef<{ rewatch: () => void; fetchStatus: () => void } | null>(null);

  const commit = useCallback((next: QueueModel) => {
    modelRef.current = next;
    setModel(next);
  }, []);

  useEffect(() => {
    if (serverNowAtRender > 0) offsetRef.current = serverNowAtRender - Date.now();
    const tick = () => setNow(Date.now() + offsetRef.current);
    tick();
    const timer = setInterval(tick, 500);
    return () => clearInterval(timer);
  }, [serverNowAtRender]);

  useEffect(() => {
    const socket = getSocket();
    let active = true;
    let inFlight = false;
    let again = false;
    let buffered: QueueFrame[] = [];
    let fetching = false;
    let fetchFailures = 0;
    let watchFailures = 0;
    let retryWatch: ReturnType<typeof setTimeout> | undefined;
    let retryFetch: ReturnType<typeof setTimeout> | undefined;

    const learnClock = (serverNow: number) => {
      if (serverNow > 0) offsetRef.current = serverNow - Date.now();
    };

    const fetchStatus = async () => {
      if (fetching || !active) return;
      fetching = true;
      clearTimeout(retryFetch);
      try {
        const res = await fetch(`/api/v1/sales/${encodeURIComponent(saleId)}/queue/${encodeURIComponent(ticketId)}`, {
          cache: "no-store",
          headers: { accept: "application/json" },
        });
        if (!active) return;
        if (res.status === 404) {
          commit({ ...modelRef.current, ticket: null, token: null });
          return;
        }
        if (!res.ok) throw new Error(`status ${res.status}`);
        const body = (await res.json()) as TicketStatusBody;
        if (!active) return;
        fetchFailures = 0;
        const m = modelRef.current;
        if (body.state === "waiting" || body.state === "pre") {
          // A place is only exact together with the tick it was read at: take it from a snapshot.
          watch();
          return;
        }
        const deadline = body.expiresAt ? Date.parse(body.expiresAt) : (m.ticket?.deadline ?? 0);
        commit({
          ...m,
          ticket: { state: body.state, seq: body.seq, position: body.position, deadline, units: body.units },
          token: body.token ?? null,
        });
      } catch (err) {
        if (!active) return;
        console.warn("[queue] could not read the ticket's status:", err instanceof Error ? err.message : err);
        // A few retries for a blip; after that the next frame, reconnect or reload tries again.
        if (++fetchFailures <= MAX_FETCH_RETRIES) retryFetch = setTimeout(() => void fetchStatus(), RETRY_MS * fetchFailures);
      } finally {
        fetching = false;
      }
    };

    const watch = () => {
      if (!active) return;
      if (inFlight) {
        again = true;
        return;
      }
      if (!socket.connected) return; // "connect" watches again
      inFlight = true;
      buffered = [];
      clearTimeout(retryWatch);
      socket
        .timeout(ACK_TIMEOUT_MS)
        .emit("queue:watch", { saleId, ticket: ticketId }, (err: Error | null, res?: Response<QueueSnapshot>) => {
          inFlight = false;
          if (!active) return;
          // A closed sale whose working state is gone from Redis: nothing to watch, nothing to retry.
          if (res && !res.ok && res.error.code === "not_found") {
            setConnection("live");
            return;
          }
          if (err || !res || !res.ok) {
            if (res && !res.ok) console.warn("[queue] watch refused:", res.error.message);
            setConnection("stale");
            // The gateway could not read the line (Redis unavailable): try again, backing off.
            watchFailures++;
            retryWatch = setTimeout(watch, RETRY_MS * Math.min(watchFailures, 5));
            return;
          }
          watchFailures = 0;
          learnClock(res.data.now);
          let next = fromSnapshot(modelRef.current, res.data);
          let rewatch = again;
          let admitted = false;
          again = false;
          // Frames that arrived while the snapshot was read: those after it still apply.
          for (const frame of buffered.sort((a, b) => a.tick - b.tick)) {
            const r = applyFrame(next, frame, admissionWindowSeconds);
            next = r.model;
            rewatch ||= r.rewatch;
            admitted ||= r.admitted;
          }
          buffered = [];
          commit(next);
          setConnection("live");
          if (next.ticket?.state === "admitted" && (admitted || !next.token)) void fetchStatus();
          if (rewatch) watch();
        });
    };

    const onFrame = (frame: QueueFrame) => {
      if (frame.saleId !== saleId) return;
      if (inFlight) {
        buffered.push(frame);
        return;
      }
      learnClock(frame.now);
      const r = applyFrame(modelRef.current, frame, admissionWindowSeconds);
      if (r.model !== modelRef.current) commit(r.model);
      if (r.rewatch) watch();
      if (r.admitted) void fetchStatus();
    };

    const onAdmitted = (payload: { saleId: string; deadline: number }) => {
      if (payload.saleId !== saleId) return;
      const m = modelRef.current;
      if (m.ticket && m.ticket.state !== "admitted") {
        commit({ ...m, ticket: { ...m.ticket, state: "admitted", position: 0, deadline: payload.deadline } });
      }
      void fetchStatus();
    };

    const onConnect = () => watch();
    const onDisconnect = () => setConnection("stale");

    socket.on("connect", onConnect);
    socket.on("disconnect", onDisconnect);
    socket.on("connect_error", onDisconnect);
    socket.on("queue", onFrame);
    socket.on("queue:admitted", onAdmitted);
    controlRef.current = { rewatch: watch, fetchStatus: () => void fetchStatus() };
    if (socket.connected) watch();
    else if (!socket.active) socket.connect();
    const grace = setTimeout(() => setConnection((s) => (s === "connecting" ? "stale" : s)), CONNECT_GRACE_MS);

    return () => {
      active = false;
      controlRef.current = null;
      clearTimeout(grace);
      clearTimeout(retryWatch);
      clearTimeout(retryFetch);
      socket.off("connect", onConnect);
      socket.off("disconnect", onDisconnect);
      socket.off("connect_error", onDisconnect);
      socket.off("queue", onFrame);
      socket.off("queue:admitted", onAdmitted);
      if (socket.connected) socket.emit("queue:unwatch", { saleId });
    };
  }, [saleId, ticketId, admissionWindowSeconds, getSocket, commit]);

  // Closing a sale broadcasts no frame (the admitter stops ticking it): a fresh server render
  // of the page (after an action was refused with sale_closed) is how this tab learns it.
  const serverStatus = init.counters.status;
  useEffect(() => {
    const m = modelRef.current;
    if (serverStatus === "closed" && m.counters.status !== "closed") commit({ ...m, counters: { ...m.counters, status: "closed" } });
  }, [serverStatus, commit]);

  // The turn's end: ask the gateway what became of it (done if something was bought, else expired).
  const turnState = model.ticket?.state;
  const deadline = model.ticket?.deadline ?? 0;
  useEffect(() => {
    if (turnState !== "admitted" || deadline <= 0) return;
    const wait = Math.max(0, deadline - (Date.now() + offsetRef.current)) + 400;
    const timer = setTimeout(() => controlRef.current?.rewatch(), wait);
    return () => clearTimeout(timer);
  }, [turnState, deadline]);

  const adopt = useCallback(
    (next: (current: TicketView | null) => TicketView | null) => {
      const m = modelRef.current;
      const ticket = next(m.ticket);
      commit({ ...m, ticket, token: null, startPosition: ticket?.state === "waiting" ? ticket.position : 0 });
      controlRef.current?.rewatch();
    },
    [commit],
  );
  const refreshStatus = useCallback(() => controlRef.current?.fetchStatus(), []);

  return { model, connection, now, adopt, refreshStatus };
}
