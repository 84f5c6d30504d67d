// Stops what the global setup started and removes its temporary folder.
import { rmSync } from "node:fs";
import type { E2EState } from "./global-setup";

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as unknown as { stockwireE2E?: E2EState }).stockwireE2E;
  if (!state) return;
  await state.stack.stop();
  rmSync(state.dir, { recursive: true, force: true });
}
