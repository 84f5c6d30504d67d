import { listProducts } from "@/lib/catalog";
import { appDeps } from "@/lib/core/deps";
import { handle, json } from "@/lib/core/http";

export const GET = handle(async () => json({ products: await listProducts(appDeps()) }));
