// The realtime gateway: browsers subscribe to SKUs and receive each SKU's newest availability.
// Every sidecar instance subscribes to the stock events channel itself, so each one emits
// only to its own sockets (io.local); the Redis adapter carries what must cross instances.
// This file is its public face: what server/gateway.ts exported, from the files that now hold it.
export { closeApplication, createApplication } from "./app";
export { broadcastAlert } from "./admin-namespace";
export { broadcastQueueFrame, notifyAdmitted } from "./queue-handlers";
export { saleRoom, skuRoom, ticketRoom, type GatewayDeps, type StockServer } from "./types";
