// Checks before pointing the stack (or the tests, or a seed) at a folder or a server.
import { statSync } from "node:fs";
import path from "node:path";

/** Postgres runs as its own user when we are root: every folder above its data must be traversable. */
export function checkTraversable(dir: string): void {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return;
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `Postgres runs as the postgres user and cannot enter ${d}: run \`chmod o+x ${d}\` or set STOCKWIRE_DATA_DIR to a folder outside it.`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

/** Refuse to point the tests (or a seed) at a database on another machine. */
export function assertLocalUrl(name: string, url: string): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new Error(`${name} is not a valid URL.`);
  }
  if (!["localhost", "127.0.0.1", "[::1]", "::1", ""].includes(host)) {
    throw new Error(
      `${name} points at ${host}: the end-to-end tests only run against a local server. Unset ${name} to let them start their own.`,
    );
  }
}
