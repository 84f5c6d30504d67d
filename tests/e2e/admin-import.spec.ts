// The back office's Import screen (issue 17) against the real stack: a merchandiser's CSV is
// previewed row by row with nothing changed, then applied with progress; a shopper's badge
// follows live; the changes are in the stock history under the merchandiser's name; the export
// reads back as "already matched". Screenshots at desktop and phone widths, checked with axe.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { signIn } from "./staff";

const bearer = () => ({ authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` });
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

async function createSku(api: APIRequestContext, onHand: number, name: string) {
  const id = unique();
  const sku = `E2E-IMP-${id}`;
  const slug = `e2e-import-${id.toLowerCase()}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: bearer(),
    data: {
      product: { slug, name: `${name} ${id.slice(-4)}`, category: "E2E", hue: 40, lowStockThreshold: 3 },
      label: "One size",
      priceCents: 1800,
      onHand,
    },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  return { sku, slug };
}

const availableOf = async (api: APIRequestContext, sku: string) =>
  ((await (await api.get(`/api/v1/inventory/${sku}`)).json()) as { onHand?: number; available: number }).available;

async function noSeriousAxe(page: Page, what: string) {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(
    violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`),
    what,
  ).toEqual([]);
}

test("a CSV is previewed with nothing changed, then applied with progress; a shopper's badge follows live", async ({
  page,
  request,
  browser,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const a = await createSku(request, 4, "Import Mug");
  const b = await createSku(request, 20, "Import Tee");
  const c = await createSku(request, 3, "Import Cap");
  // Two of the cap's three units are in a shopper's cart: a count of 1 would sell units that are not there.
  const held = await request.post("/api/v1/reservations", {
    data: { items: [{ sku: c.sku, quantity: 2 }] },
    headers: { "idempotency-key": `e2e-import-${c.sku}` },
  });
  expect(held.ok(), await held.text()).toBeTruthy();

  const shopperContext = await browser.newContext({ baseURL });
  const shopper = await shopperContext.newPage();
  await shopper.goto(`/products/${a.slug}`);
  await expect(shopper.locator("[data-live-status]")).toHaveAttribute("data-live-status", "live");
  const badge = shopper.locator(`[data-testid="stock-badge"][data-sku="${a.sku}"]`);
  await expect(badge).toHaveAttribute("data-available", "4");

  const csv = [
    "sku,onHand,delta,reason,note",
    `${a.sku},30,,,stocktake`,
    `${b.sku.toLowerCase()},,+5,received,pallet 7`,
    `${b.sku},,-2,damaged,`,
    `${c.sku},1,,,`,
    `E2E-IMP-NO-SUCH-SKU,5,,,`,
    `${c.sku},,lots,,`,
  ].join("\n");

  await signIn(page, "/admin/import");
  await page.setViewportSize({ width: 1440, height: 1000 });
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Import stock");
  await page.getByTestId("import-file").setInputFiles({ name: "stocktake.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });

  const preview = page.getByTestId("import-preview");
  await expect(preview).toBeVisible();
  await expect(page.getByTestId("import-figures")).toContainText("Rows6");
  await expect(page.getByTestId("import-figures")).toContainText("Problems3");
  const problems = page.getByTestId("import-problems");
  await expect(problems.getByTestId("import-problems-line-5")).toContainText("below the 2 held for shoppers");
  await expect(problems.getByTestId("import-problems-line-6")).toContainText("no SKU E2E-IMP-NO-SUCH-SKU");
  await expect(problems.getByTestId("import-problems-line-7")).toContainText("delta: must be a whole number");
  const changes = page.getByTestId("import-changes");
  await expect(changes.getByTestId("import-changes-line-2")).toContainText(/4\s*30/);
  await expect(changes.getByTestId("import-changes-line-3")).toContainText(/20\s*25/);
  await expect(changes.getByTestId("import-changes-line-4")).toContainText(/25\s*23/);
  await expect(page.getByTestId("import-apply")).toHaveText("Apply 3 rows");

  // The preview changed nothing.
  expect(await availableOf(request, a.sku)).toBe(4);
  expect(await availableOf(request, b.sku)).toBe(20);
  await page.screenshot({ path: "screenshots/admin-import-preview-desktop.png", fullPage: true });
  await noSeriousAxe(page, "import preview at desktop width");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "screenshots/admin-import-preview-phone.png", fullPage: true });
  await noSeriousAxe(page, "import preview at phone width");
  await page.setViewportSize({ width: 1440, height: 1000 });

  await page.getByTestId("import-apply").click();
  await expect(page.getByTestId("import-result")).toContainText("Imported: 3 rows applied.");
  await expect(page.getByTestId("import-progress")).toHaveAttribute("value", "3");
  await expect(page.getByTestId("import-progress")).toHaveAttribute("max", "3");
  await page.screenshot({ path: "screenshots/admin-import-done-desktop.png", fullPage: true });

  // The shopper's badge moved without a reload; the counts are what the preview said.
  await expect(badge).toHaveAttribute("data-available", "30");
  expect(await availableOf(request, b.sku)).toBe(23);
  expect(await availableOf(request, c.sku)).toBe(1); // 3 on hand, 2 held: the count of 1 was refused, nothing changed
  await shopperContext.close();

  // In the stock history, under the merchandiser's name, with the file's reasons and notes.
  await expect
    .poll(async () => {
      const body = (await (await request.get(`/api/v1/admin/events?sku=${b.sku}`, { headers: bearer() })).json()) as {
        events: { type: string; reason: string | null; source: string; actor: string | null }[];
      };
      return body.events.filter((e) => e.source === "admin-import").map((e) => [e.reason, e.actor]);
    })
    .toEqual([
      ["damaged", process.env.ADMIN_EMAIL],
      ["received: pallet 7", process.env.ADMIN_EMAIL],
    ]);

  // The export reads back: the screen's own download, filtered to these SKUs, matches as it is.
  const exported = await page.request.get("/api/v1/admin/inventory.csv");
  expect(exported.headers()["content-type"]).toContain("text/csv");
  const lines = (await exported.text()).trim().split(/\r\n/);
  const mine = [lines[0]!, ...lines.filter((l) => l.startsWith(a.sku) || l.startsWith(b.sku))];
  expect(mine).toHaveLength(3);
  await page.getByTestId("import-again").click();
  await page.getByTestId("import-file").setInputFiles({ name: "export.csv", mimeType: "text/csv", buffer: Buffer.from(mine.join("\r\n")) });
  await expect(page.getByTestId("import-no-changes")).toBeVisible();
  await expect(page.getByTestId("import-preview")).toContainText("Ignored: product, variant, reserved, safety, available");
  await page.getByTestId("import-apply").click();
  await expect(page.getByTestId("import-result")).toContainText("Imported: 0 rows applied, 2 counts already matched.");
});

test("a file the screen cannot read is refused in words, and the import needs a signed-in merchandiser", async ({ page, request }) => {
  await signIn(page, "/admin/import");
  await page
    .getByTestId("import-file")
    .setInputFiles({ name: "prices.csv", mimeType: "text/csv", buffer: Buffer.from("product,price\nTee,12\n") });
  await expect(page.getByTestId("import-status")).toContainText("prices.csv: The first line must name the columns, one of them “sku”.");
  await expect(page.getByTestId("import-preview")).toHaveCount(0);

  // The export is staff-only, like every admin route.
  expect((await request.get("/api/v1/admin/inventory.csv")).status()).toBe(401);
});
