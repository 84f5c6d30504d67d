import { requireStaff, revokeApiToken, staffRecordId } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, parseWith } from "@/lib/core/http";
import { logFor } from "@/lib/core/log";

const logger = logFor("api");

/** DELETE /api/v1/admin/tokens/:tokenId — revoke; the token stops working at once. */
export const DELETE = handle(async (request: Request, { params }: { params: Promise<{ tokenId: string }> }) => {
  const staff = await requireStaff(request, "admin");
  const tokenId = parseWith(staffRecordId, (await params).tokenId);
  const info = await revokeApiToken(appDeps(), tokenId);
  logger.info(`[auth] ${staff.actor} revoked API token "${info.name}" (${info.id})`);
  return json(info);
});
