import { openApiDocument } from "@/lib/api/openapi/document";
import { handle, json } from "@/lib/core/http";

/** GET /api/v1/openapi.json — the OpenAPI 3.1 document of every route, generated from the routes' own schemas. */
export const GET = handle(async () => json(openApiDocument(), 200, { "cache-control": "public, max-age=300" }));
