import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The examples import the package by name, as a user's code would; the tests run them on the sources.
  resolve: { alias: { gapfill: fileURLToPath(new URL("./src/index.ts", import.meta.url)) } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Native addons (better-sqlite3, node-llama-cpp, koffi) are safest in child processes.
    pool: "forks",
    // Test files share a child's module cache instead of re-importing per file (measured: the
    // suite's wall time 3.0 → 2.0 min); no test may leave global state behind (registries are undone).
    isolate: false,
    // Much of the end-to-end time is waiting on local servers and child processes: four forks keep
    // two cores busy (2.0 → 1.5 min). minWorkers = maxWorkers: scaling the pool down mid-run killed a fork.
    maxWorkers: 4,
    minWorkers: 4,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
