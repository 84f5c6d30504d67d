import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  // Only the migrate/studio commands read this; the app connects through @prisma/adapter-pg.
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/stockwire" },
});
