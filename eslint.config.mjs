// ESLint: Next.js's rules (core web vitals, React, hooks, a11y, imports) plus typescript-eslint's
// recommended set. `npm run lint` runs it; `npm test` runs lint first.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores([
    ".next/**",
    ".data/**",
    "node_modules/**",
    "lib/generated/**",
    "lib/scripts/lua/index.generated.ts",
    "test-results/**",
    "playwright-report/**",
    "screenshots/**",
    "next-env.d.ts",
    // Copied from node_modules by `npm run generate` (the API reference page's bundle).
    "public/vendor/**",
  ]),
  {
    rules: {
      // `_`-prefixed arguments and variables are deliberately unused (callbacks with a fixed shape).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
  {
    // Server Components render once per request on the server: reading the clock there is what
    // the page is for ("last checked 2 min ago"), not an impurity React re-renders would repeat.
    files: ["app/**/page.tsx", "app/**/layout.tsx"],
    rules: { "react-hooks/purity": "off" },
  },
]);
