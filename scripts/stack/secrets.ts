// Development secrets: taken from the environment, else from secrets.json, else generated.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Secrets and the first merchandiser, generated for development when unset and kept in secrets.json. */
const GENERATED = ["ADMIN_API_TOKEN", "WEBHOOK_SECRET", "QUEUE_TOKEN_SECRET", "SESSION_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD"] as const;
type GeneratedName = (typeof GENERATED)[number];

function generateValue(name: GeneratedName): string {
  if (name === "ADMIN_EMAIL") return "admin@stockwire.local";
  if (name === "ADMIN_PASSWORD") return randomBytes(12).toString("base64url");
  return randomBytes(32).toString("base64url");
}

export function loadSecrets(file: string, env: NodeJS.ProcessEnv): { values: Record<GeneratedName, string>; generated: GeneratedName[] } {
  let stored: Partial<Record<string, unknown>> = {};
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch {
      throw new Error(`${file} is not valid JSON: fix or delete it (new secrets are then generated).`);
    }
  }
  const values = {} as Record<GeneratedName, string>;
  const generated: GeneratedName[] = [];
  const toStore: Record<string, string> = {};
  for (const name of GENERATED) {
    const fromStore = typeof stored[name] === "string" ? (stored[name] as string) : undefined;
    const fromEnv = env[name];
    const value = fromEnv || fromStore || generateValue(name);
    if (!fromEnv && !fromStore) generated.push(name);
    values[name] = value;
    if (fromStore) toStore[name] = fromStore;
    else if (!fromEnv) toStore[name] = value;
  }
  if (generated.length > 0) writeFileSync(file, `${JSON.stringify(toStore, null, 2)}\n`, { mode: 0o600 });
  return { values, generated };
}
