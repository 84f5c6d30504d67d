import { filterOf, listEvents, parseAuditQuery, queryRecord } from "@/lib/backoffice";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json } from "@/lib/core/http";

/** The audit trail: ledger events, newest first, `{ events, next }` (pass `next` as `after`). */
export const GET = handle(async (request: Request) => {
  await requireStaff(request, "merchandiser");
  const q = parseAuditQuery(queryRecord(new URL(request.url).searchParams));
  return json(await listEvents(appDeps(), filterOf(q), { after: q.after, limit: q.limit }));
});
