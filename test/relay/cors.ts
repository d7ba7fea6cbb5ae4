/**
 * CORS: the relay answers browsers only from the origins it is told (`--cors-origin`), `*` only when named,
 * none by default (same-origin only); a preflight for a JSON POST from a listed origin is allowed, from any
 * other origin refused with 403 `origin_not_allowed`; refusals (4xx) carry the header too, so a listed page
 * can read why.
 */
import { expect } from "chai";

import { parseCorsOrigins } from "../../relay/cors.js";
import type { Relay } from "../../relay/index.js";
import { aliceOrder, deployEnv, orderBody, relayOn, request, type Env } from "./helpers.js";

const APP = "https://app.example";
const OTHER = "https://evil.example";

describe("relay: CORS for browsers", function () {
  this.timeout(120_000);
  let env: Env;
  before(async () => {
    env = await deployEnv();
  });

  const preflight = (relay: Relay, path: string, origin: string) =>
    request(`${relay.url}${path}`, "OPTIONS", undefined, {
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });

  it("corsDefault_answersNoOrigin_andRefusesEveryPreflight", async () => {
    const relay = await relayOn(env);
    try {
      const pre = await preflight(relay, `/sessions/${env.P}/orders`, APP);
      expect(pre.status).to.equal(403);
      expect(pre.body).to.include({ code: "origin_not_allowed", field: null });
      expect(pre.headers["access-control-allow-origin"]).to.equal(undefined);
      const get = await request(`${relay.url}/health`, "GET", undefined, { headers: { origin: APP } });
      expect(get.status).to.equal(200);
      expect(get.headers["access-control-allow-origin"]).to.equal(undefined);
      // a same-origin request (no Origin header) is answered as before
      expect((await request(`${relay.url}/health`, "GET")).status).to.equal(200);
    } finally {
      await relay.close();
    }
  });

  it("corsListedOrigin_preflightForJsonPost_thenPostAndGetCarryTheOrigin_otherOriginsGetNothing", async () => {
    const relay = await relayOn(env, { corsOrigins: [APP] });
    try {
      const pre = await preflight(relay, `/sessions/${env.P}/orders`, APP);
      expect(pre.status).to.equal(204);
      expect(pre.headers).to.include({
        "access-control-allow-origin": APP,
        "access-control-allow-headers": "content-type",
        vary: "Origin",
      });
      expect(String(pre.headers["access-control-allow-methods"])).to.contain("POST");
      const body = await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env));
      const post = await request(`${relay.url}/sessions/${env.P}/orders`, "POST", body, { headers: { origin: APP } });
      expect(post.status, JSON.stringify(post.body)).to.equal(201);
      expect(post.headers["access-control-allow-origin"]).to.equal(APP);
      const refused = await request(`${relay.url}/sessions/${env.P}/orders`, "POST", "{x", {
        headers: { origin: APP },
      });
      expect(refused.status).to.equal(400);
      expect(refused.headers["access-control-allow-origin"]).to.equal(APP);
      const book = await request(`${relay.url}/sessions/${env.P}/book`, "GET", undefined, { headers: { origin: APP } });
      expect(book.headers["access-control-allow-origin"]).to.equal(APP);

      const other = await preflight(relay, `/sessions/${env.P}/orders`, OTHER);
      expect(other.status).to.equal(403);
      expect(other.body).to.include({ code: "origin_not_allowed" });
      const otherGet = await request(`${relay.url}/health`, "GET", undefined, { headers: { origin: OTHER } });
      expect(otherGet.headers["access-control-allow-origin"]).to.equal(undefined);
    } finally {
      await relay.close();
    }
  });

  it("corsStar_onlyWhenNamed_answersAnyOriginWithStar", async () => {
    const relay = await relayOn(env, { corsOrigins: ["*"] });
    try {
      const pre = await preflight(relay, `/orders/0x${"ab".repeat(32)}`, OTHER);
      expect(pre.status).to.equal(204);
      expect(pre.headers["access-control-allow-origin"]).to.equal("*");
      const get = await request(`${relay.url}/health`, "GET", undefined, { headers: { origin: OTHER } });
      expect(get.headers["access-control-allow-origin"]).to.equal("*");
    } finally {
      await relay.close();
    }
  });

  it("parseCorsOrigins_acceptsOriginsAndStar_refusesPathsAndOtherSchemes", () => {
    expect(parseCorsOrigins("")).to.deep.equal([]);
    expect(parseCorsOrigins(" https://a.example , http://127.0.0.1:5173 ")).to.deep.equal([
      "https://a.example",
      "http://127.0.0.1:5173",
    ]);
    expect(parseCorsOrigins("*")).to.deep.equal(["*"]);
    expect(() => parseCorsOrigins("https://a.example/app")).to.throw(/not an origin/);
    expect(() => parseCorsOrigins("ftp://a.example")).to.throw(/not an origin/);
    expect(() => parseCorsOrigins("a.example")).to.throw(/not an origin/);
  });
});
