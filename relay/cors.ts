/**
 * CORS for the relay's HTTP API (docs/relay.md, "Browsers"). By default no origin is listed and the relay
 * answers no cross-origin request (browsers then allow only same-origin pages, e.g. the web app behind its
 * proxy); `--cors-origin` lists the origins whose pages may read its answers, or `*` (only when named
 * explicitly) for any. Preflights (`OPTIONS` with `Access-Control-Request-Method`) are answered for GET and
 * POST with a JSON body; a preflight from an origin not listed gets 403 `origin_not_allowed`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Methods and request headers a listed origin may use (a JSON POST needs `content-type`). */
const METHODS = "GET, POST";
const HEADERS = "content-type";
/** Seconds a browser may cache a preflight's answer. */
const MAX_AGE = 600;

/** Parses `--cors-origin`: comma-separated origins (`scheme://host[:port]`, no path) or `*`. Throws naming the bad one. */
export function parseCorsOrigins(arg: string): string[] {
  const out: string[] = [];
  for (const raw of arg.split(",")) {
    const o = raw.trim();
    if (o === "") continue;
    if (o === "*") {
      out.push(o);
      continue;
    }
    let u: URL;
    try {
      u = new URL(o);
    } catch {
      throw new Error(`--cors-origin: "${o}" is not an origin (scheme://host[:port]) or *`);
    }
    if ((u.protocol !== "http:" && u.protocol !== "https:") || u.origin !== o.replace(/\/$/, ""))
      throw new Error(`--cors-origin: "${o}" is not an origin: write it as ${u.origin} (no path, no trailing slash)`);
    out.push(u.origin);
  }
  return out;
}

/** The value of Access-Control-Allow-Origin for `origin`, or undefined when it is not allowed. */
export function allowedOrigin(origins: readonly string[], origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (origins.includes("*")) return "*";
  return origins.includes(origin) ? origin : undefined;
}

/**
 * Adds the CORS headers to every answer (errors and 429s included, so a page can read why it was refused).
 * Call before registering the rate limiter, so its refusals carry them.
 */
export function corsHeaders(app: FastifyInstance, origins: readonly string[]): void {
  app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    // caches must not hand one origin's answer to another
    reply.header("vary", "Origin");
    const allow = allowedOrigin(origins, origin);
    if (allow !== undefined) reply.header("access-control-allow-origin", allow);
  });
}

/** The preflight route (`OPTIONS` on any path). Call after registering the rate limiter, which then counts preflights. */
export function corsPreflight(app: FastifyInstance, origins: readonly string[]): void {
  app.options("/*", async (req, reply) => {
    const origin = req.headers.origin;
    if (origin === undefined || req.headers["access-control-request-method"] === undefined)
      return reply.status(204).header("allow", `${METHODS}, OPTIONS`).send();
    if (allowedOrigin(origins, origin) === undefined)
      return reply.status(403).send({
        code: "origin_not_allowed",
        message: `this relay answers browsers from ${origins.length === 0 ? "its own origin only" : origins.join(", ")}, not ${origin} (--cors-origin)`,
        field: null,
      });
    return reply
      .status(204)
      .header("access-control-allow-methods", METHODS)
      .header("access-control-allow-headers", HEADERS)
      .header("access-control-max-age", String(MAX_AGE))
      .send();
  });
}
