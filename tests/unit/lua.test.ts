import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderLuaModule } from "../../scripts/gen-lua";

describe("Lua scripts", () => {
  it("the generated module matches lib/scripts/lua/*.lua (run `npm run gen:lua` when this fails)", () => {
    const committed = readFileSync(path.join(import.meta.dirname, "../../lib/scripts/lua/index.generated.ts"), "utf8");
    expect(committed).toBe(renderLuaModule());
  });

  it("every script documents its KEYS, ARGV and return shape", () => {
    const dir = path.join(import.meta.dirname, "../../lib/scripts/lua");
    for (const name of [
      "reserve-3",
      "release-3",
      "commit-3",
      "adjust-4",
      "set-stock-4",
      "channel-report-6",
      "rebuild-3",
      "open-reservation-1",
      "place-reservations-n",
      "transition-reservation-1",
      "extend-reservation-1",
      "mark-persisted-2",
    ]) {
      const src = readFileSync(path.join(dir, `${name}.lua`), "utf8");
      expect(src, name).toMatch(/KEYS\[1\]/);
      expect(src, name).toMatch(/Returns/);
    }
  });
});
