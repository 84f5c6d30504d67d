import { requireStaff, setUserDisabled, staffRecordId, userUpdateBody } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, parseWith, readJson } from "@/lib/core/http";
import { logFor } from "@/lib/core/log";

const logger = logFor("api");

/** PATCH /api/v1/admin/users/:userId `{ disabled }` — disabling ends the user's sessions at once. */
export const PATCH = handle(async (request: Request, { params }: { params: Promise<{ userId: string }> }) => {
  const staff = await requireStaff(request, "admin");
  const userId = parseWith(staffRecordId, (await params).userId);
  const body = await readJson(request, userUpdateBody);
  const user = await setUserDisabled(appDeps(), userId, body.disabled, { userId: staff.kind === "session" ? staff.id : null });
  logger.info(`[auth] ${staff.actor} ${body.disabled ? "disabled" : "enabled"} ${user.email}`);
  return json(user);
});
