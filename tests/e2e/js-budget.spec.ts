// The JavaScript a shopper's browser downloads for a product page, measured from the build
// output: every script the page loads, read from .next/static and gzipped here (level 9, what
// a CDN would serve at best). Budget: 200 KB gzip (issue 16). Also: none of it is Node's crypto
// polyfill, which a client component importing server code used to drag in.
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { expect, test } from "@playwright/test";

const BUDGET_BYTES = 200 * 1024;

test("the product page ships at most 200 KB of gzipped JavaScript, without Node's crypto", async ({ page, request }) => {
  const products = (await (await request.get("/api/v1/products")).json()) as { products: { slug: string }[] };
  const slug = products.products[0]!.slug;
  const scripts = new Set<string>();
  page.on("request", (r) => {
    if (r.resourceType() === "script") scripts.add(new URL(r.url()).pathname);
  });
  await page.goto(`/products/${slug}`);
  await expect(page.locator("[data-live-status]").first()).toHaveAttribute("data-live-status", "live");
  await page.waitForLoadState("networkidle");
  let gzip = 0;
  let raw = 0;
  const files: { file: string; gzip: number }[] = [];
  const withCrypto: string[] = [];
  for (const p of scripts) {
    expect(p.startsWith("/_next/static/"), p).toBe(true);
    const body = readFileSync(path.join(".next", "static", decodeURIComponent(p.slice("/_next/static/".length))));
    const z = gzipSync(body, { level: 9 }).length;
    raw += body.length;
    gzip += z;
    files.push({ file: p, gzip: z });
    // The browserify crypto polyfill's tell-tale functions.
    if (/createECDH|pbkdf2Sync|publicEncrypt/.test(body.toString("utf8"))) withCrypto.push(p);
  }
  files.sort((a, b) => b.gzip - a.gzip);
  console.log(
    `[js budget] product page: ${scripts.size} scripts, ${(raw / 1024).toFixed(1)} KB raw, ${(gzip / 1024).toFixed(1)} KB gzip; largest: ${files
      .slice(0, 3)
      .map((f) => `${path.basename(f.file)} ${(f.gzip / 1024).toFixed(1)} KB`)
      .join(", ")}${withCrypto.length ? `; Node's crypto in ${withCrypto.length}` : ""}`,
  );
  expect(withCrypto, "scripts that carry Node's crypto").toEqual([]);
  expect(gzip).toBeLessThanOrEqual(BUDGET_BYTES);
});
