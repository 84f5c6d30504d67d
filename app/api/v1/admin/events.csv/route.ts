import { csvFileName, eventsCsv, filterOf, parseAuditQuery, queryRecord } from "@/lib/backoffice";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle } from "@/lib/core/http";
import { logFor } from "@/lib/core/log";

const logger = logFor("api");

/** The audit trail as a CSV download (same filters as /events; every matching event unless `limit`). */
export const GET = handle(async (request: Request) => {
  const staff = await requireStaff(request, "merchandiser");
  const q = parseAuditQuery(queryRecord(new URL(request.url).searchParams));
  const filter = filterOf(q);
  const rows = eventsCsv(appDeps(), filter, { after: q.after, max: q.limit });
  const encoder = new TextEncoder();
  // Read the header and the first page before answering, so an unreachable database is a 503.
  const ready: string[] = [];
  for (let i = 0; i < 2; i++) {
    const { value, done } = await rows.next();
    if (done) break;
    ready.push(value);
  }
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buffered = ready.shift();
      if (buffered !== undefined) return controller.enqueue(encoder.encode(buffered));
      try {
        const { value, done } = await rows.next();
        if (done) controller.close();
        else controller.enqueue(encoder.encode(value));
      } catch (err) {
        // Headers are gone already: cut the download short rather than end it as if complete.
        logger.error(`[audit] CSV export for ${staff.actor} failed`, err);
        controller.error(err);
      }
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${csvFileName(filter)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
