import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The dev-only Tauri mock is aliased in ONLY for `vite` (serve) with ARBITER_MOCK=1.
// It is never used by `vite build`, so it can never end up in the production bundle.
export default defineConfig(({ command }) => {
  const mock = command === "serve" && process.env.ARBITER_MOCK === "1";
  return {
    base: "./",
    clearScreen: false,
    esbuild: { jsx: "automatic" },
    resolve: {
      alias: mock
        ? [
            {
              find: /^@tauri-apps\/api\/core$/,
              replacement: fileURLToPath(new URL("./dev/mockTauri.ts", import.meta.url)),
            },
          ]
        : [],
    },
    envPrefix: ["VITE_", "TAURI_ENV_"],
    server: {
      port: 1420,
      strictPort: true,
      host: process.env.TAURI_DEV_HOST || false,
      watch: { ignored: ["**/src-tauri/**", "**/target/**"] },
    },
    build: {
      outDir: "dist",
      emptyOutDir: true,
      target: ["es2021", "chrome105", "safari15"],
      sourcemap: false,
    },
    test: {
      environment: "jsdom",
      include: ["src/**/*.test.{ts,tsx}"],
      pool: "threads",
      maxWorkers: 2,
    },
  };
});
