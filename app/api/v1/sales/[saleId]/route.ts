import { appDeps } from "@/lib/core/deps";
import { handle, json } from "@/lib/core/http";
import { publicSale } from "@/lib/sales";

/** A sale as shoppers see it: definition, live counters and its products with availability. */
export const GET = handle(async (_request: Request, { params }: { params: Promise<{ saleId: string }> }) => {
  return json(await publicSale(appDeps(), (await params).saleId));
});
