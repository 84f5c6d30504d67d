// Follow one SKU's availability live, as a mobile app or a partner's server would (no browser, so
// no Origin header). Usage: node examples/follow-sku.mjs <realtime URL> <SKU>
import { io } from "socket.io-client";

const [url, sku] = process.argv.slice(2);
if (!url || !sku) throw new Error("usage: node examples/follow-sku.mjs <realtime URL> <SKU>");
let shownVersion = 0;
function show(available, version, how) {
  if (version <= shownVersion) return; // never go back to an older count
  shownVersion = version;
  console.log(JSON.stringify({ sku, available, version, how }));
}

const socket = io(url, { transports: ["websocket", "polling"], tryAllTransports: true });
socket.on("connect", async () => {
  // Rooms do not survive a reconnect: subscribe on every connect; the ack is a fresh snapshot.
  const ack = socket.timeout(5_000).emitWithAck("subscribe", { skus: [sku] });
  const res = await ack.catch(() => null);
  if (!res?.ok) return console.error("subscribe failed:", res?.error ?? "no answer in 5 s");
  const level = res.data.find((a) => a.sku === sku);
  if (level) show(level.available, level.version, "snapshot");
  else console.error(`${sku} is not a known SKU`);
});
socket.on("stock", (changed, available, version) => changed === sku && show(available, version, "change"));
socket.on("connect_error", (err) => {
  console.error("not connected:", err.message);
  // Refused (rate_limited): Socket.IO does not retry by itself; wait as told.
  if (!socket.active) setTimeout(() => socket.connect(), (err.data?.retryAfterSeconds ?? 5) * 1000);
});
