// End-to-end tests against the real stack: the global setup starts Redis, Postgres, the
// Next.js production server and the sidecar in a temporary folder (see scripts/stack.ts).
import { spawnSync } from "node:child_process";
import { defineConfig, devices } from "@playwright/test";

/**
 * Two free ports, chosen once by the runner. The config file is evaluated again in every
 * worker, and workers inherit the runner's environment, so they all see the same ports.
 */
function pickPorts(): [string, string] {
  const script =
    "const net=require('net');const a=net.createServer(),b=net.createServer();" +
    "a.listen(0,'127.0.0.1',()=>b.listen(0,'127.0.0.1',()=>{console.log(a.address().port+' '+b.address().port);a.close();b.close();}));";
  const out = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" }).stdout.trim().split(" ");
  const [web, realtime] = out;
  if (!web || !realtime) throw new Error("could not find free ports for the end-to-end stack");
  return [web, realtime];
}

if (!process.env.STOCKWIRE_E2E_BASE_URL && !process.env.STOCKWIRE_E2E_PORT) {
  const [web, realtime] = pickPorts();
  process.env.STOCKWIRE_E2E_PORT = web;
  process.env.STOCKWIRE_E2E_REALTIME_PORT = realtime;
}
const baseURL = process.env.STOCKWIRE_E2E_BASE_URL ?? `http://localhost:${process.env.STOCKWIRE_E2E_PORT}`;
const CI = !!process.env.CI;

export default defineConfig({
  testDir: "tests/e2e",
  globalSetup: "./tests/e2e/global-setup.ts",
  globalTeardown: "./tests/e2e/global-teardown.ts",
  fullyParallel: false,
  workers: CI ? 1 : 2,
  retries: CI ? 1 : 0,
  forbidOnly: CI,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: "list",
  use: {
    baseURL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      // After every test: each API answer of the run is checked against the OpenAPI document.
      teardown: "api contract",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          // The system's Chromium: Playwright never downloads a browser here.
          executablePath: "/usr/bin/chromium",
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
          ],
        },
      },
    },
    { name: "api contract", testMatch: /contract\.teardown\.ts$/ },
  ],
});
