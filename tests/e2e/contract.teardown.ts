// Runs after every other e2e test (the `api contract` teardown project in playwright.config.ts):
// every /api answer the store gave during the run, recorded by the server itself
// (STOCKWIRE_API_RECORD, set by the global setup), must conform to the OpenAPI document it serves.
import { existsSync, readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { Contract, type OpenApiDoc, type RecordedAnswer } from "./contract";

test("every API answer of the run conforms to the OpenAPI document", async ({ request }) => {
  const file = process.env.STOCKWIRE_API_RECORD;
  test.skip(!file, "only when the e2e setup started the stack (not against STOCKWIRE_E2E_BASE_URL)");
  const doc = (await (await request.get("/api/v1/openapi.json")).json()) as OpenApiDoc;
  const contract = new Contract(doc);
  expect(existsSync(file!), "the server recorded its answers").toBe(true);
  const answers = readFileSync(file!, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RecordedAnswer);
  const problems = answers.flatMap((a) => contract.check(a));
  const seen = new Set(answers.map((a) => contract.keyOf(a)).filter(Boolean));
  const unseen = contract.operations.filter((op) => !seen.has(op));
  const statuses = new Set(answers.map((a) => `${contract.keyOf(a)} ${a.status}`));
  console.log(
    `[contract] ${answers.length} answers checked: ${seen.size} of ${contract.operations.length} operations, ${statuses.size} (operation, status) pairs` +
      (unseen.length ? `; not exercised: ${unseen.join(", ")}` : ""),
  );
  expect([...new Set(problems)].slice(0, 40)).toEqual([]);
  expect(answers.length).toBeGreaterThan(0);
});
