// The authenticated /admin namespace: each handshake is admitted through admitStaffSocket, open
// sockets are re-checked in one batch per interval through stillGranted (revoked ones are
// disconnected), and broadcastAlert pushes raised alerts to every back-office socket.
import { admitStaffSocket, stillGranted } from "../../lib/auth";
import type { AdminAlert } from "../../lib/backoffice";
import { limitHandshakes } from "./guards";
import type { AdminNamespace, AdminSocketData, GatewayDeps, StockServer } from "./types";
import { logFor } from "../../lib/core/log";

const logger = logFor("gateway");

/** Set up /admin on the server; returns the namespace and what stops its re-check timer. */
export function setupAdminNamespace(io: StockServer, deps: GatewayDeps): { admin: AdminNamespace; stop: () => void } {
  const admin: AdminNamespace = io.of("/admin");
  admin.use(limitHandshakes(deps));
  admin.use((socket, next) => {
    // `auth.token` (ADMIN_API_TOKEN or an API token), or else the back-office session cookie the
    // browser sends with the handshake (cookies are per host, not per port).
    const handshake = { token: socket.handshake.auth?.token as unknown, cookieHeader: socket.handshake.headers.cookie };
    admitStaffSocket(handshake, "merchandiser", { deps: deps.deps, adminApiToken: deps.adminToken }).then(
      (admitted) => {
        if (!admitted) return next(new Error("unauthorized"));
        Object.assign(socket.data as AdminSocketData, admitted);
        next();
      },
      (err: unknown) => {
        logger.error("[gateway] cannot check an /admin handshake:", err instanceof Error ? err.message : err);
        next(new Error("unavailable"));
      },
    );
  });
  admin.on("connection", (socket) => {
    deps.metrics?.connectedSockets.inc({ namespace: "/admin" });
    socket.on("disconnect", () => deps.metrics?.connectedSockets.dec({ namespace: "/admin" }));
  });

  // The handshake is checked once; logout, a disabled user or a revoked token must also end a
  // socket that is already open. One batched look-up per interval for all of this instance's sockets.
  let rechecking = false;
  const adminRecheckTimer = setInterval(() => {
    if (rechecking || admin.sockets.size === 0) return;
    rechecking = true;
    const held = [...admin.sockets.values()].flatMap((socket) => {
      const { grant } = socket.data as AdminSocketData;
      return grant ? [{ socket, grant }] : [];
    });
    stillGranted(
      held.map((h) => h.grant),
      "merchandiser",
      { deps: deps.deps },
    )
      .then((valid) => {
        for (const [i, { socket }] of held.entries()) if (!valid[i]) socket.disconnect();
      })
      // A database outage keeps open sockets open: nothing can be revoked while it lasts.
      .catch((err: unknown) => logger.error("[gateway] cannot re-check /admin sockets:", err instanceof Error ? err.message : err))
      .finally(() => {
        rechecking = false;
      });
  }, deps.adminRecheckMs ?? 5_000);
  adminRecheckTimer.unref();

  return { admin, stop: () => clearInterval(adminRecheckTimer) };
}

/** Push a newly raised alert to every back-office socket, on every sidecar (through the adapter). */
export function broadcastAlert(io: StockServer, alert: AdminAlert): void {
  const admin: AdminNamespace = io.of("/admin");
  admin.emit("alert", alert);
}
