// The sidecar's /admin namespace opens for a back-office session (the `sw_staff` cookie the
// browser sends with the handshake) or an API token, and for nobody else; an open socket is
// closed within one re-check interval of logout, its user's disabling or its token's revocation.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApiToken,
  createStaffSession,
  createUser,
  revokeApiToken,
  revokeStaffSession,
  setUserDisabled,
  STAFF_COOKIE,
} from "../../lib/auth";
import { adjustStock } from "../../lib/stock";
import type { AdminClientToServerEvents, AdminServerToClientEvents } from "../../lib/shared/protocol";
import type { StockEvent } from "../../lib/shared/types";
import { closeApplication, createApplication, type StockServer } from "../../server/gateway";
import { seedSkus, testDeps, uid } from "../helpers";
import { createSubscriber } from "../../lib/core/redis";

type AdminSocket = ClientSocket<AdminServerToClientEvents, AdminClientToServerEvents>;

const ORIGIN = "http://shop.test";
const RECHECK_MS = 200;
const deps = testDeps();
let subscriber: Redis;
let gateway: StockServer;
let url: string;
const clients: ClientSocket[] = [];

beforeAll(async () => {
  subscriber = createSubscriber(deps.redis);
  const httpServer = createServer();
  // No ADMIN_API_TOKEN at all: sessions and API tokens still open the feed.
  gateway = createApplication(httpServer, {
    redis: deps.redis,
    subscriber,
    keys: deps.keys,
    deps,
    allowedOrigins: [ORIGIN],
    coalesceMs: 0,
    adminRecheckMs: RECHECK_MS,
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const deadline = Date.now() + 5_000;
  while ((await deps.redis.pubsub("NUMSUB", deps.keys.eventsChannel))[1] !== 1 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await closeApplication(gateway);
  subscriber.disconnect();
  await deps.close();
});

function admin(opts: { cookie?: string; token?: string }): AdminSocket {
  const socket: AdminSocket = connect(`${url}/admin`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    extraHeaders: { origin: ORIGIN, ...(opts.cookie ? { cookie: opts.cookie } : {}) },
    auth: opts.token ? { token: opts.token } : {},
  });
  clients.push(socket);
  // Listened for at once: a socket awaited second may have connected (or been refused) while the
  // first was awaited, and a listener added after the event would wait for ever.
  outcomes.set(
    socket,
    new Promise((resolve) => {
      socket.once("connect", () => resolve("connected"));
      socket.once("connect_error", (err) => resolve(err.message));
    }),
  );
  return socket;
}

const outcomes = new WeakMap<ClientSocket, Promise<string>>();

/** "connected" or the refusal's message. */
function outcome(socket: ClientSocket): Promise<string> {
  return outcomes.get(socket)!;
}

describe("/admin namespace access", () => {
  it("streams stock events to a signed-in merchandiser's browser (session cookie)", async () => {
    const user = await createUser(deps, {
      email: `feed-${uid(8).toLowerCase()}@shop.test`,
      name: "Feed",
      role: "merchandiser",
      password: "password-123",
    });
    const { token } = await createStaffSession(deps, user.id);
    const socket = admin({ cookie: `sw_sid=shopper123; ${STAFF_COOKIE}=${token}` });
    expect(await outcome(socket)).toBe("connected");
    const events: StockEvent[] = [];
    socket.on("event", (e) => events.push(e));
    const [sku] = await seedSkus(deps, [{ onHand: 4 }]);
    await adjustStock(deps, { sku: sku!, delta: -1, reason: "damaged", source: "test", actor: user.email });
    const deadline = Date.now() + 5_000;
    while (events.filter((e) => e.sku === sku).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events.filter((e) => e.sku === sku).at(-1)).toMatchObject({ type: "adjust", delta: -1, actor: user.email });

    await revokeStaffSession(deps, token);
    expect(await outcome(admin({ cookie: `${STAFF_COOKIE}=${token}` }))).toBe("unauthorized");
  });

  it("accepts an API token in auth.token until it is revoked, and refuses anonymous sockets", async () => {
    const { token, info } = await createApiToken(deps, { name: `feed-${uid()}`, role: "merchandiser" });
    expect(await outcome(admin({ token }))).toBe("connected");
    await revokeApiToken(deps, info.id);
    expect(await outcome(admin({ token }))).toBe("unauthorized");
    expect(await outcome(admin({}))).toBe("unauthorized");
    expect(await outcome(admin({ cookie: `${STAFF_COOKIE}=${"C".repeat(43)}` }))).toBe("unauthorized");
  });
});

/** The reason the server closed the socket, or "still connected" after `ms`. */
function closedWithin(socket: ClientSocket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("still connected"), ms);
    socket.once("disconnect", (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

describe("/admin sockets already open", () => {
  const member = (role: "merchandiser" | "admin") =>
    createUser(deps, { email: `open-${uid(8).toLowerCase()}@shop.test`, name: "Open", role, password: "password-123" });
  // Several re-check intervals: long enough to see a check happen, far below "within seconds".
  const WITHIN = RECHECK_MS * 10;

  it("are closed soon after logout, while another session's socket stays open", async () => {
    const user = await member("merchandiser");
    const [leaving, staying] = [await createStaffSession(deps, user.id), await createStaffSession(deps, user.id)];
    const a = admin({ cookie: `${STAFF_COOKIE}=${leaving.token}` });
    const b = admin({ cookie: `${STAFF_COOKIE}=${staying.token}` });
    expect([await outcome(a), await outcome(b)]).toEqual(["connected", "connected"]);
    const stayed = closedWithin(b, WITHIN);
    await revokeStaffSession(deps, leaving.token);
    expect(await closedWithin(a, WITHIN)).toBe("io server disconnect");
    expect(await stayed).toBe("still connected");
  });

  it("are closed soon after their user is disabled", async () => {
    const user = await member("merchandiser");
    const { token } = await createStaffSession(deps, user.id);
    const socket = admin({ cookie: `${STAFF_COOKIE}=${token}` });
    expect(await outcome(socket)).toBe("connected");
    await setUserDisabled(deps, user.id, true, { userId: null });
    expect(await closedWithin(socket, WITHIN)).toBe("io server disconnect");
  });

  it("are closed soon after their API token is revoked, or its creator disabled", async () => {
    const revoked = await createApiToken(deps, { name: `feed-${uid()}`, role: "merchandiser" });
    const creator = await member("admin");
    await member("admin"); // the last enabled admin cannot be disabled
    const delegated = await createApiToken(deps, { name: `feed-${uid()}`, role: "merchandiser", createdById: creator.id });
    const a = admin({ token: revoked.token });
    const b = admin({ token: delegated.token });
    expect([await outcome(a), await outcome(b)]).toEqual(["connected", "connected"]);
    await revokeApiToken(deps, revoked.info.id);
    expect(await closedWithin(a, WITHIN)).toBe("io server disconnect");
    await setUserDisabled(deps, creator.id, true, { userId: null });
    expect(await closedWithin(b, WITHIN)).toBe("io server disconnect");
    expect(await outcome(admin({ token: delegated.token }))).toBe("unauthorized");
  });
});
