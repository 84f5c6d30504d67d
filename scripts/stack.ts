// The whole Stockwire stack on one machine: Redis and Postgres (local processes unless
// REDIS_URL / DATABASE_URL are given), migrations, demo data, a Next.js production build,
// `next start` and the Socket.IO sidecar. Used by `npm run up` and the Playwright global setup.
//
// This file is the public face; the parts live in stack/:
//   start.ts       startStack (stores, data, build, servers, fault injection)
//   instance.ts    startInstance: one more web server or sidecar next to a running stack
//   types.ts       StackOptions, Stack, StackFaults and friends
//   paths.ts       ROOT, DEFAULT_DATA_DIR
//   secrets.ts     development secrets (secrets.json)
//   stack-file.ts  the running stack's URLs (stack.json), loadRunningStackEnv
//   build.ts       Next.js build freshness (buildStaleness)
//   processes.ts   child processes with prefixed output, readiness checks
//   checks.ts      assertLocalUrl, and whether Postgres can reach its data folder
export { assertLocalUrl } from "./stack/checks";
export { buildStaleness } from "./stack/build";
export { startInstance, type Instance, type InstanceOptions } from "./stack/instance";
export { DEFAULT_DATA_DIR, ROOT } from "./stack/paths";
export { loadRunningStackEnv } from "./stack/stack-file";
export { startStack } from "./stack/start";
export type { BuildPolicy, Stack, StackFaults, StackOptions, StackProcessName } from "./stack/types";
