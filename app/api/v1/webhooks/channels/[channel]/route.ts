import { receiveChannelEvent } from "@/lib/channels";
import { config } from "@/lib/core/config";
import { appDeps } from "@/lib/core/deps";
import { DomainError } from "@/lib/core/errors";
import { handle, json, MAX_BODY_BYTES } from "@/lib/core/http";

/** POST /api/v1/webhooks/channels/:channel — a signed stock event from a sales channel. */
export const POST = handle(async (request: Request, { params }: { params: Promise<{ channel: string }> }) => {
  const { channel } = await params;
  if (Number(request.headers.get("content-length") ?? "0") > MAX_BODY_BYTES) {
    throw new DomainError("payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
  }
  // The signature covers the exact bytes sent, so the body is read raw, not re-serialised.
  const rawBody = Buffer.from(await request.arrayBuffer());
  if (rawBody.length > MAX_BODY_BYTES) throw new DomainError("payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
  const result = await receiveChannelEvent(appDeps(), {
    channel,
    rawBody,
    signature: request.headers.get("x-stockwire-signature"),
    secret: config().WEBHOOK_SECRET,
  });
  return json(result);
});
