// The catalog snapshot (lib/catalog/catalog.ts): two app instances (two Postgres clients on one Redis),
// one of them reaching Postgres through a TCP proxy that the test can cut, as an outage would.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { describeSkus, getProduct, listProducts, productsOfSkus, upsertSku } from "../../lib/catalog";
import { createDb } from "../../lib/core/db";
import { placeReservation } from "../../lib/reservations";
import { seedSkus, testDeps } from "../helpers";

/** A TCP relay to Postgres whose connections all drop when it is cut, and refuse until restored. */
class PostgresRelay {
  private server?: net.Server;
  private sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const writer = testDeps(); // instance B: reaches Postgres directly
const target = new URL(inject("databaseUrl"));
const relay = new PostgresRelay({ host: target.hostname, port: Number(target.port || 5432) });
let reader: ReturnType<typeof testDeps>; // instance A: same Redis and prefix, Postgres through the relay

beforeAll(async () => {
  await relay.open();
  const viaRelay = new URL(target);
  viaRelay.port = String(relay.port);
  reader = { ...writer, db: createDb(viaRelay.toString(), 2) };
});
afterAll(async () => {
  await reader.db.$disconnect().catch(() => {});
  await relay.cut().catch(() => {});
  await writer.close();
});

describe("catalog snapshot", () => {
  it("follows another instance's writes, and keeps serving with live availability while Postgres is down", async () => {
    const [a, b] = await seedSkus(writer, [{ onHand: 5 }, { onHand: 7 }]);
    const slug = (await describeSkus(writer, [a!])).get(a!)!.productSlug;

    expect((await listProducts(reader)).some((p) => p.slug === slug)).toBe(true);
    const first = await getProduct(reader, slug);
    expect(new Map(first?.variants.map((v) => [v.sku, v.available]))).toEqual(
      new Map([
        [a, 5],
        [b, 7],
      ]),
    );

    // Instance B renames the product: A's next read sees it (the catalog version moved).
    await upsertSku(writer, { sku: a!, product: { slug, name: "Renamed mug" }, priceCents: 1200, onHand: 5, source: "test" });
    expect((await getProduct(reader, slug))?.name).toBe("Renamed mug");
    expect((await describeSkus(reader, [a!])).get(a!)?.priceCents).toBe(1200);

    await relay.cut();
    // A's Postgres is gone: reads answer from the snapshot, availability still live from Redis.
    await placeReservation(reader, { sessionId: "catalog", items: [{ sku: b!, quantity: 3 }], source: "test" });
    const during = await getProduct(reader, slug);
    expect(during?.name).toBe("Renamed mug");
    expect(during?.variants.find((v) => v.sku === b)?.available).toBe(4);
    expect((await productsOfSkus(reader, [b!])).map((p) => p.variants.map((v) => v.sku))).toEqual([[b]]);
    // A change made meanwhile through B cannot be loaded by A: it keeps the snapshot it has.
    await upsertSku(writer, { sku: a!, product: { slug, name: "Renamed again" }, priceCents: 1200, onHand: 5, source: "test" });
    expect((await getProduct(reader, slug))?.name).toBe("Renamed mug");
    expect((await listProducts(reader)).find((p) => p.slug === slug)?.variants.find((v) => v.sku === b)?.available).toBe(4);

    // Postgres back: the next read loads the current catalog.
    await relay.open();
    let name = "";
    for (let i = 0; i < 50 && name !== "Renamed again"; i++) {
      name = (await getProduct(reader, slug).catch(() => null))?.name ?? "";
      if (name !== "Renamed again") await new Promise((r) => setTimeout(r, 100));
    }
    expect(name).toBe("Renamed again");
  });

  it("an instance that never loaded the catalog reports the outage instead of inventing one", async () => {
    const relay2 = new PostgresRelay({ host: target.hostname, port: Number(target.port || 5432) });
    await relay2.open();
    await relay2.cut();
    const cold = { ...writer, db: createDb(`postgresql://postgres@127.0.0.1:${relay2.port}/none`, 1) };
    await expect(listProducts(cold)).rejects.toBeTruthy();
    await cold.db.$disconnect().catch(() => {});
  });
});
