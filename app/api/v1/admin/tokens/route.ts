import { apiTokenCreateBody, createApiToken, listApiTokens, requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, readJson } from "@/lib/core/http";
import { logFor } from "@/lib/core/log";

const logger = logFor("api");

export const GET = handle(async (request: Request) => {
  await requireStaff(request, "admin");
  const includeRevoked = new URL(request.url).searchParams.get("revoked") === "1";
  return json({ tokens: await listApiTokens(appDeps(), { includeRevoked }) });
});

/** The response carries the token's plaintext: the only time it is ever shown. */
export const POST = handle(async (request: Request) => {
  const staff = await requireStaff(request, "admin");
  const body = await readJson(request, apiTokenCreateBody);
  const { token, info } = await createApiToken(appDeps(), { ...body, createdById: staff.kind === "session" ? staff.id : null });
  logger.info(`[auth] ${staff.actor} created ${info.role} API token "${info.name}" (${info.id})`);
  return json({ ...info, token }, 201);
});
