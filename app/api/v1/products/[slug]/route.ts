import { getProduct } from "@/lib/catalog";
import { appDeps } from "@/lib/core/deps";
import { DomainError } from "@/lib/core/errors";
import { handle, json } from "@/lib/core/http";

export const GET = handle(async (_req: Request, { params }: { params: Promise<{ slug: string }> }) => {
  const product = await getProduct(appDeps(), (await params).slug);
  if (!product) throw new DomainError("not_found", "No such product.");
  return json(product);
});
