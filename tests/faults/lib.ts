// The lib/ modules the fault suite drives, loaded by path so that a tree lacking one of them
// (an older commit) still runs the rows it can: a missing module is null and its rows are
// skipped with a note. Typed as main's modules.
import { existsSync } from "node:fs";
import path from "node:path";

type Reservations = typeof import("../../lib/reservations");
type Orders = typeof import("../../lib/orders/orders");
type Catalog = typeof import("../../lib/catalog/catalog");
type Inventory = typeof import("../../lib/stock/inventory");
type StockAdmin = typeof import("../../lib/stock/admin");
type Bulk = typeof import("../../lib/stock/bulk");
type Channels = typeof import("../../lib/channels/channels");
type Ledger = typeof import("../../lib/ledger");
type Quarantine = typeof import("../../lib/ledger/quarantine");
type Reconcile = typeof import("../../lib/ledger/reconcile");
type Sales = typeof import("../../lib/sales");
type Webhooks = typeof import("../../lib/webhooks");
type Login = typeof import("../../lib/auth/login");
type Users = typeof import("../../lib/auth/users");
type Config = typeof import("../../lib/core/config");
type Keys = typeof import("../../lib/core/keys");

const LIB = path.resolve(import.meta.dirname, "../../lib");

/** Where a module lived before the lib/ restructure (issue 13), for older trees. */
const BEFORE: Record<string, string> = {
  "reservations/index": "reservations",
  "orders/orders": "orders",
  "catalog/catalog": "catalog",
  "stock/inventory": "inventory",
  "stock/admin": "stock-admin",
  "channels/channels": "channels",
  "ledger/index": "ledger",
  "ledger/quarantine": "quarantine",
  "ledger/reconcile": "reconcile",
  "sales/index": "sales",
  "webhooks/index": "webhooks",
  "core/config": "config",
  "core/keys": "keys",
};

async function load<T>(name: string): Promise<T | null> {
  for (const candidate of [name, BEFORE[name]]) {
    if (!candidate) continue;
    const file = path.join(LIB, `${candidate}.ts`);
    if (existsSync(file)) return (await import(/* @vite-ignore */ file)) as T;
  }
  return null;
}

export interface Lib {
  reservations: Reservations;
  orders: Orders;
  catalog: Catalog;
  inventory: Inventory;
  stockAdmin: StockAdmin | null;
  bulk: Bulk | null;
  channels: Channels | null;
  ledger: Ledger;
  quarantine: Quarantine | null;
  reconcile: Reconcile | null;
  sales: Sales | null;
  webhooks: Webhooks | null;
  login: Login | null;
  users: Users | null;
  config: Config;
  keys: Keys;
}

export async function loadLib(): Promise<Lib> {
  const [
    reservations,
    orders,
    catalog,
    inventory,
    stockAdmin,
    bulk,
    channels,
    ledger,
    quarantine,
    reconcile,
    sales,
    webhooks,
    login,
    users,
    config,
    keys,
  ] = await Promise.all([
    load<Reservations>("reservations/index"),
    load<Orders>("orders/orders"),
    load<Catalog>("catalog/catalog"),
    load<Inventory>("stock/inventory"),
    load<StockAdmin>("stock/admin"),
    load<Bulk>("stock/bulk"),
    load<Channels>("channels/channels"),
    load<Ledger>("ledger/index"),
    load<Quarantine>("ledger/quarantine"),
    load<Reconcile>("ledger/reconcile"),
    load<Sales>("sales/index"),
    load<Webhooks>("webhooks/index"),
    load<Login>("auth/login"),
    load<Users>("auth/users"),
    load<Config>("core/config"),
    load<Keys>("core/keys"),
  ]);
  if (!reservations || !orders || !catalog || !inventory || !ledger || !config || !keys) throw new Error("lib/ lacks a core module");
  return {
    reservations,
    orders,
    catalog,
    inventory,
    stockAdmin,
    bulk,
    channels,
    ledger,
    quarantine,
    reconcile,
    sales,
    webhooks,
    login,
    users,
    config,
    keys,
  };
}

/** Whether `lib` has every named export (`module.fn`), for rows that need a newer function. */
export function has(lib: Lib, ...names: string[]): boolean {
  return names.every((n) => {
    const [mod, fn] = n.split(".") as [keyof Lib, string];
    const m = lib[mod] as Record<string, unknown> | null;
    return !!m && typeof m[fn] === "function";
  });
}
