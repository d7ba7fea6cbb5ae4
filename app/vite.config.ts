/**
 * Vite configuration of the web trading app (docs/app.md). Preact through Oxc's automatic JSX runtime (Vite 8
 * transforms TypeScript with Oxc; no JSX plugin needed). The app talks to two back ends through this server, so
 * it needs no CORS anywhere: `/rpc` is proxied to the node (read-only calls when no wallet is connected) and
 * `/relay` (HTTP and WebSocket) to the order relay. `/config.json` tells the app the chain id, the session
 * factory and the markets singleton. Everything is read from the environment when the server starts:
 *
 *   RF_RPC_URL (default http://127.0.0.1:8545), RF_RELAY_URL (default http://127.0.0.1:8700),
 *   RF_CHAIN_ID (default 31337), RF_FACTORY and RF_MARKETS (the session factory and the BoundedMarkets singleton;
 *   no default: the app then asks for them).
 */
import { defineConfig, type Plugin } from "vite";

const env = (name: string, fallback: string): string => process.env[name] ?? fallback;

/** Serves `/config.json` from the environment, in `vite` (dev) and `vite preview` alike. */
function runtimeConfig(): Plugin {
  const handler = (
    req: { url?: string },
    res: { setHeader(k: string, v: string): void; end(s: string): void },
    next: () => void,
  ) => {
    if (req.url?.split("?")[0] !== "/config.json") return next();
    res.setHeader("content-type", "application/json");
    res.setHeader("cache-control", "no-store");
    res.end(
      JSON.stringify({
        chainId: Number(env("RF_CHAIN_ID", "31337")),
        factory: env("RF_FACTORY", ""),
        markets: env("RF_MARKETS", ""),
        rpcUrl: env("RF_PUBLIC_RPC_URL", ""),
      }),
    );
  };
  return {
    name: "ringfence-runtime-config",
    configureServer: (server) => void server.middlewares.use(handler),
    configurePreviewServer: (server) => void server.middlewares.use(handler),
  };
}

const proxy = () => ({
  "/rpc": { target: env("RF_RPC_URL", "http://127.0.0.1:8545"), changeOrigin: true, rewrite: () => "/" },
  "/relay": {
    target: env("RF_RELAY_URL", "http://127.0.0.1:8700"),
    changeOrigin: true,
    ws: true,
    rewrite: (p: string) => p.replace(/^\/relay/, ""),
  },
});

export default defineConfig(() => ({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: "automatic" as const, importSource: "preact" } },
  plugins: [runtimeConfig()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 4000 },
  server: { host: "127.0.0.1", proxy: proxy() },
  preview: { host: "127.0.0.1", proxy: proxy() },
}));
