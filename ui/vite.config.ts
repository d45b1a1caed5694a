import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

/**
 * The app runs with Tauri's `freezePrototype` (Object.prototype frozen). ECharts' Scheduler
 * mocks methods by plain assignment over every enumerable name of a class prototype, which
 * includes `constructor` (tslib's `__extends` makes it enumerable); assigning `constructor` on a
 * plain object whose Object.prototype is frozen throws in strict mode ("Attempted to assign to
 * readonly property"), and the whole dashboard chunk failed to load. Define the property instead.
 * The build fails if the code moved, so an ECharts upgrade cannot silently bring the crash back
 * (the desktop e2e test opens the dashboard under the real frozen prototype).
 */
function echartsFrozenPrototype(): Plugin {
  const needle = "target[name_1] = noop;";
  return {
    name: "arbiter-echarts-frozen-prototype",
    enforce: "pre",
    transform(code, id) {
      if (!/[\\/]echarts[\\/]lib[\\/]core[\\/]Scheduler\.js$/.test(id)) return null;
      if (!code.includes(needle)) this.error(`echarts Scheduler.js changed: "${needle}" not found (see vite.config.ts)`);
      return code.replace(
        needle,
        "Object.defineProperty(target, name_1, { value: noop, writable: true, enumerable: true, configurable: true });",
      );
    },
  };
}

export default defineConfig(({ command }) => {
  const serveTarget = command === "serve" ? process.env.ARBITER_SERVE : undefined;
  return {
    base: "./",
    plugins: [echartsFrozenPrototype()],
    clearScreen: false,
    esbuild: { jsx: "automatic" },
    envPrefix: ["VITE_", "TAURI_ENV_"],
    server: {
      port: 1420,
      strictPort: true,
      // ARBITER_SERVE=http://HOST:PORT npm run dev: the UI in a browser against a running
      // `arbiter serve` (its API and images proxied, so the session cookie is this origin's).
      proxy: serveTarget ? Object.fromEntries(["/api", "/thumb", "/media"].map((p) => [p, { target: serveTarget }])) : undefined,
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
