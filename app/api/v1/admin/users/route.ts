import { createUser, listUsers, requireStaff, userCreateBody } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, readJson } from "@/lib/core/http";
import { logFor } from "@/lib/core/log";

const logger = logFor("api");

export const GET = handle(async (request: Request) => {
  await requireStaff(request, "admin");
  return json({ users: await listUsers(appDeps()) });
});

export const POST = handle(async (request: Request) => {
  const staff = await requireStaff(request, "admin");
  const body = await readJson(request, userCreateBody);
  const user = await createUser(appDeps(), body);
  logger.info(`[auth] ${staff.actor} created ${user.role} ${user.email}`);
  return json(user, 201);
});
