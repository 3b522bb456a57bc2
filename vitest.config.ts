import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests start real docker, wrangler and registries; give them room.
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
