// Child process of the bench (started by startThinClients in shared.ts): many socket.io clients
// in one process, each a bare WebSocket speaking the engine.io v4 / socket.io v5 wire protocol
// itself — open, connect to "/", `subscribe` with an ack, answer pings, and read `stock` frames.
// The bytes on the wire are exactly what a browser's socket.io-client receives; what is left out
// is socket.io-client's per-frame decoding (an event emitter and a packet parser per socket),
// which in one process for thousands of clients, not the gateway, would set the latency figure.
// Several children split the clients so their decoding runs on both cores, as browsers would
// on their own machines.
import WebSocket from "ws";
import { cpuMicros, type ThinChildReply, type ThinChildRequest } from "./shared";

interface Client {
  ws: WebSocket;
  /** [version, receipt time] pairs of the stock frames received since recording began. */
  frames: number[];
}

const [url, origin, sku, countArg] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countArg);
const clients: Client[] = [];
let recording = false;
const reply = (m: ThinChildReply) => process.send?.(m);
const STOCK_PREFIX = `42["stock",${JSON.stringify(sku)},`;

function connectOne(): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`, {
      headers: { origin },
      perMessageDeflate: false,
    });
    const client: Client = { ws, frames: [] };
    ws.once("error", reject);
    ws.on("message", (data: Buffer) => {
      const text = data.toString();
      if (text === "2") return ws.send("3"); // engine.io ping → pong
      if (text.startsWith(STOCK_PREFIX)) {
        if (!recording) return;
        // 42["stock","SKU",available,version]
        const version = Number(text.slice(text.lastIndexOf(",") + 1, -1));
        client.frames.push(version, Date.now());
        return;
      }
      if (text.startsWith("0{")) return ws.send("40"); // engine.io open → socket.io connect
      if (text.startsWith("40")) return ws.send(`420${JSON.stringify(["subscribe", { skus: [sku] }])}`);
      if (text.startsWith("430")) {
        const [res] = JSON.parse(text.slice(3)) as [{ ok: boolean; error?: { message: string } }];
        if (res.ok) resolve(client);
        else reject(new Error(res.error?.message ?? "subscribe refused"));
      }
    });
  });
}

async function connectAll(): Promise<void> {
  // In batches: a thousand simultaneous handshakes only measure the accept queue.
  for (let i = 0; i < count; i += 100) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, connectOne))));
  }
}

process.on("message", (m: ThinChildRequest) => {
  if (m.type === "record") {
    const socket = (clients[0]?.ws as unknown as { _socket?: { bytesRead: number; bytesWritten: number } } | undefined)?._socket;
    recording = true;
    reply({ type: "recording", bytes: { read: socket?.bytesRead ?? NaN, written: socket?.bytesWritten ?? NaN }, cpuMicros: cpuMicros() });
  } else if (m.type === "report") {
    recording = false;
    const socket = (clients[0]?.ws as unknown as { _socket?: { bytesRead: number; bytesWritten: number } } | undefined)?._socket;
    reply({
      type: "report",
      frames: clients.map((c) => c.frames),
      bytes: { read: socket?.bytesRead ?? NaN, written: socket?.bytesWritten ?? NaN },
      cpuMicros: cpuMicros(),
    });
  } else if (m.type === "stop") {
    for (const c of clients) c.ws.terminate();
    process.exit(0);
  }
});

connectAll().then(
  () => reply({ type: "ready" }),
  (err: unknown) => {
    console.error("[thin clients]", err);
    process.exit(1);
  },
);
