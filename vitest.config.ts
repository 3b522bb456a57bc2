import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests share one docker daemon on the host network (containers bind host ports)
    // and one registry; files run one at a time so they never fight over a port.
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
