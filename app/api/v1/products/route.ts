import { listProducts } from "@/lib/catalog";
import { appDeps } from "@/lib/context";
import { handle, json } from "@/lib/http";

export const GET = handle(async () => json({ products: await listProducts(appDeps()) }));
