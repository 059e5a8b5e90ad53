import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: {
    // Tests and generated code import the package by its public name.
    alias: { tsbinder: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // --expose-gc: the FinalizationRegistry safety net for forgotten proxies is tested
    execArgv: ["--expose-gc"],
  },
});
