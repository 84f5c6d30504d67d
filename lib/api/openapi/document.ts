// The OpenAPI 3.1 document, generated from the operation table (the routes' own zod schemas and
// the response schemas) by zod-openapi. Served at /api/v1/openapi.json and rendered at /developers/api.
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from "zod-openapi";
import { ERROR_STATUS, type ErrorCode } from "../../core/errors";
import { errorCodesOf, OPERATIONS, type Access, type Operation } from "./operations";
import { ErrorBody } from "./responses";

export const API_VERSION = "1.0.0";

const SECURITY: Record<Access, Record<string, string[]>[] | undefined> = {
  public: undefined,
  shopper: [{ shopperSession: [] }],
  merchandiser: [{ staffToken: [] }, { staffSession: [] }],
  admin: [{ staffToken: [] }, { staffSession: [] }],
  channel: [{ channelSignature: [] }],
};

const ACCESS_NOTE: Record<Access, string> = {
  public: "",
  shopper: "Acts for the shopper whose session cookie (`sw_sid`) comes with the request; the storefront issues one on the first page view.",
  merchandiser: "Staff only: a merchandiser or an admin (API token or back-office session).",
  admin: "Admins only (API token with the admin role, or an admin's back-office session).",
  channel: "Signed by the channel with the shared webhook secret.",
};

function describeErrors(codes: ErrorCode[]): ZodOpenApiOperationObject["responses"] {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const out: NonNullable<ZodOpenApiOperationObject["responses"]> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers =
      status === 429
        ? { "retry-after": { description: "Seconds until a retry can succeed.", schema: { type: "integer" as const } } }
        : undefined;
    out[`${status}` as `4${string}`] = {
      description: `Error: ${list.map((c) => `\`${c}\``).join(", ")}.`,
      ...(headers ? { headers } : {}),
      content: { "application/json": { schema: ErrorBody } },
    };
  }
  return out;
}

function operationObject(op: Operation): ZodOpenApiOperationObject {
  const responses: NonNullable<ZodOpenApiOperationObject["responses"]> = {};
  for (const [status, res] of Object.entries(op.responses)) {
    const headers = res.headers
      ? Object.fromEntries(
          Object.entries(res.headers).map(([name, description]) => [name, { description, schema: { type: "string" as const } }]),
        )
      : undefined;
    responses[status as `2${string}`] = {
      description: res.description,
      ...(headers ? { headers } : {}),
      ...(res.csv
        ? { content: { "text/csv": { schema: { type: "string" } } } }
        : res.schema
          ? { content: { "application/json": { schema: res.schema } } }
          : {}),
    };
  }
  Object.assign(responses, describeErrors(errorCodesOf(op)));
  const note = ACCESS_NOTE[op.access];
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description || note ? { description: [op.description, note].filter(Boolean).join("\n\n") } : {}),
    ...(SECURITY[op.access] ? { security: SECURITY[op.access] } : { security: [] }),
    ...(op.params || op.query
      ? { requestParams: { ...(op.params ? { path: op.params } : {}), ...(op.query ? { query: op.query } : {}) } }
      : {}),
    ...(op.idempotent
      ? {
          parameters: [
            {
              in: "header" as const,
              name: "Idempotency-Key",
              required: op.idempotent === "required",
              description: "1 to 255 printable ASCII characters. A retry with the same key is the same request, applied once.",
              schema: { type: "string" as const, minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" },
            },
          ],
        }
      : {}),
    ...(op.body ? { requestBody: { required: !op.bodyOptional, content: { "application/json": { schema: op.body } } } } : {}),
    responses,
  };
}

function paths(): ZodOpenApiPathsObject {
  const out: ZodOpenApiPathsObject = {};
  for (const op of OPERATIONS) {
    out[op.path] = { ...out[op.path], [op.method]: operationObject(op) };
  }
  return out;
}

let cached: ReturnType<typeof createDocument> | null = null;

/** The document (built once per process: it depends on code only). */
export function openApiDocument(): ReturnType<typeof createDocument> {
  cached ??= createDocument({
    openapi: "3.1.0",
    info: {
      title: "Stockwire API",
      version: API_VERSION,
      description:
        "Live stock that is never oversold: catalog, holds, checkout, flash-sale lines, channels and the back office.\n\nEvery error is `{ error: { code, message, details? } }`: `code` is stable and machine-readable, `message` a sentence for a person. Live stock changes stream over Socket.IO; see docs/realtime.md.",
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
      contact: { name: "Stockwire" },
    },
    servers: [{ url: "/", description: "This store" }],
    tags: [
      { name: "Catalog", description: "Products and variants on sale." },
      { name: "Inventory", description: "Stock levels and changes." },
      { name: "Reservations", description: "Holds on stock for a shopper's session, and checkout." },
      { name: "Flash sales", description: "Sales with a virtual line, admitted in join order." },
      { name: "Channels", description: "Stock events from other sales channels, HMAC-signed." },
      { name: "Back office", description: "Audit trail and reconciliation." },
      { name: "Staff", description: "Staff accounts and API tokens." },
      { name: "Outbound webhooks", description: "Subscriptions that receive stock events, signed." },
      { name: "Health", description: "For load balancers and monitoring." },
    ],
    paths: paths(),
    components: {
      securitySchemes: {
        staffToken: {
          type: "http",
          scheme: "bearer",
          description: "An API token created under Staff → API tokens (its role applies), or the deployment's ADMIN_API_TOKEN.",
        },
        staffSession: {
          type: "apiKey",
          in: "cookie",
          name: "sw_staff",
          description: "A back-office session (browsers only; writes must come from the store's own origin).",
        },
        shopperSession: {
          type: "apiKey",
          in: "cookie",
          name: "sw_sid",
          description: "The shopper's signed session, issued by the storefront.",
        },
        channelSignature: {
          type: "apiKey",
          in: "header",
          name: "X-Stockwire-Signature",
          description: "`sha256=` and the hex HMAC-SHA256 of the raw request body with the channel secret.",
        },
      },
    },
  });
  return cached;
}
