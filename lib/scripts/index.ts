// The typed door to the Lua scripts: one function per script, named arguments, and a named
// result per outcome instead of the script's bare numeric code (whose meaning differs per
// script: -3 is "the deadline rule refused" here and "below reserved + safety" in adjust).
// Each function calls the registered command (lib/core/redis.ts) exactly once, so a fault injected
// into that command (tests/faults) is still one step.
//
// The scripts not yet behind this door are still called as `deps.redis.swX(...)` from their
// domain files; docs/architecture.md ("The Lua scripts") lists which. One file per area.
export * from "./client";
export * from "./reservations";
export * from "./sales";
export * from "./stock";
export * from "./lease";
