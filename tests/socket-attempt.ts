// One Socket.IO connection attempt without reconnection, for the tests of who may connect:
// "connected", or the server's refusal message (e.g. "unauthorized").
import { io } from "socket.io-client";

export function socketAttempt(
  url: string,
  opts: { origin?: string | null; auth?: Record<string, string>; cookie?: string } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (opts.origin) headers.origin = opts.origin;
    if (opts.cookie) headers.cookie = opts.cookie;
    const socket = io(url, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      timeout: 5_000,
      auth: opts.auth ?? {},
      extraHeaders: headers,
    });
    socket.on("connect", () => {
      socket.disconnect();
      resolve("connected");
    });
    socket.on("connect_error", (err) => {
      socket.disconnect();
      resolve(err.message);
    });
  });
}
