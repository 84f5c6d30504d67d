import { apiTokenCreateBody, createApiToken, listApiTokens, requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { tokensListQuery } from "@/lib/api/schemas";
import { handle, json, parseWith, readJson } from "@/lib/core/http";
import { logFor } from "@/lib/core/log";

const logger = logFor("api");

export const GET = handle(async (request: Request) => {
  await requireStaff(request, "admin");
  const { revoked } = parseWith(tokensListQuery, Object.fromEntries(new URL(request.url).searchParams));
  return json({ tokens: await listApiTokens(appDeps(), { includeRevoked: revoked === "1" }) });
});

/** The response carries the token's plaintext: the only time it is ever shown. */
export const POST = handle(async (request: Request) => {
  const staff = await requireStaff(request, "admin");
  const body = await readJson(request, apiTokenCreateBody);
  const { token, info } = await createApiToken(appDeps(), { ...body, createdById: staff.kind === "session" ? staff.id : null });
  logger.info(`[auth] ${staff.actor} created ${info.role} API token "${info.name}" (${info.id})`);
  return json({ ...info, token }, 201);
});
