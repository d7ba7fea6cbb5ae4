/**
 * The relay refuses every invalid order with its HTTP status, a stable code and the field at fault, stores
 * nothing invalid, and answers a duplicate with the stored order. Relay on 127.0.0.1 (a free port) against
 * the in-process chain.
 */
import { expect } from "chai";

import type { Relay } from "../../relay/index.js";
import { makeOrder } from "../sessions/fixtures.js";
import { aliceOrder, deployEnv, orderBody, relayOn, request, type Env } from "./helpers.js";

describe("relay: validation of submitted orders", function () {
  this.timeout(120_000);
  let env: Env;
  let relay: Relay;
  let url: string;

  before(async () => {
    env = await deployEnv();
    relay = await relayOn(env, { expiryMarginSec: 60 });
    url = `${relay.url}/sessions/${env.P}/orders`;
  });
  after(async () => relay.close());

  async function rejects(body: unknown, status: number, code: string, field: string | null, to = url) {
    const r = await request(to, "POST", body as object);
    expect(r.body, JSON.stringify(r.body)).to.include({ code, field });
    expect(r.status).to.equal(status);
    expect(r.body.message).to.be.a("string").and.not.equal("");
    return r;
  }

  it("accepts a valid order (201), answers a duplicate with the stored order (200), stores it once", async () => {
    const body = await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env));
    const first = await request(url, "POST", body);
    expect(first.status).to.equal(201);
    expect(first.body).to.include({ status: "open", duplicate: false, digest: body.digest, pair: "0-1", side: "ask" });
    const again = await request(url, "POST", body);
    expect(again.status).to.equal(200);
    expect(again.body).to.include({ duplicate: true, digest: body.digest });
    const list = await request(`${url}?maker=${env.b.alice.address}`, "GET");
    expect(
      (list.body.orders as unknown[]).filter((o) => (o as { digest: string }).digest === body.digest),
    ).to.have.length(1);
    const one = await request(`${relay.url}/orders/${String(body.digest)}`, "GET");
    expect(one.status).to.equal(200);
    expect(one.body).to.include({ digest: body.digest, session: env.P });
  });

  it("malformed JSON: 400 malformed_json, no field", async () => {
    await rejects("{not json", 400, "malformed_json", null);
  });

  it("malformed fields: 400 malformed_field naming the field", async () => {
    const good = await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env));
    const order = good.order as Record<string, unknown>;
    await rejects({ ...good, order: { ...order, salt: undefined } }, 400, "malformed_field", "order.salt");
    await rejects(
      { ...good, order: { ...order, amounts: [order.amounts as string[]][0].map((a, i) => (i === 1 ? "0" : a)) } },
      400,
      "malformed_field",
      "order.amounts[1]",
    );
    await rejects({ ...good, order: { ...order, maker: "0x1234" } }, 400, "malformed_field", "order.maker");
    await rejects({ ...good, order: { ...order, nonce: "-1" } }, 400, "malformed_field", "order.nonce");
    await rejects({ ...good, order: { ...order, amounts: 7 } }, 400, "malformed_field", "order.amounts");
    await rejects({ ...good, type: "something-else" }, 400, "malformed_field", "type");
    await rejects({ ...good, signature: "0xzz" }, 400, "malformed_field", "signature");
    await rejects({ ...good, digest: "0x" + "00".repeat(32) }, 400, "malformed_field", "digest");
    await rejects(
      { ...good, order: { ...order, legs: "3", amounts: ["-1"] } },
      400,
      "malformed_field",
      "order.amounts",
    );
  });

  it("wrong session, unknown session, wrong chain, legs the session lacks", async () => {
    const body = await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env));
    await rejects(body, 400, "wrong_session", "session", `${relay.url}/sessions/${env.C}/orders`);
    const stranger = "0x" + "42".repeat(20);
    const foreign = { ...body, session: stranger, digest: undefined };
    await rejects(foreign, 404, "unknown_session", "session", `${relay.url}/sessions/${stranger}/orders`);
    await rejects({ ...body, chainId: "1", digest: undefined }, 400, "wrong_chain", "chainId");
    const legs = await makeOrder(env.b, env.b.alice.address, [0, 5], [-1n, 1n]);
    await rejects(await orderBody(env.b, env.physical, env.b.alice, legs), 400, "bad_legs", "order.legs");
  });

  it("bad signature: another key (EOA) and a contract maker whose ERC-1271 check refuses it", async () => {
    const order = await aliceOrder(env);
    const forged = await orderBody(env.b, env.physical, env.b.bob, order);
    await rejects(forged, 400, "bad_signature", "signature");
    const wallet = await env.b.ethers.deployContract("MockERC1271Wallet", [env.b.carol.address]);
    const wOrder = await makeOrder(env.b, await wallet.getAddress(), [0, 1], [-1n, 1n]);
    const byDave = await orderBody(env.b, env.physical, env.b.dave, wOrder);
    await rejects(byDave, 400, "bad_signature", "signature");
    // the owner's signature passes the ERC-1271 check (eth_call); the wallet then holds nothing to give
    const byOwner = await orderBody(env.b, env.physical, env.b.carol, wOrder);
    await rejects(byOwner, 422, "unfundable", "order.maker");
  });

  it("an account with code (EIP-7702-like) that signs with its own key passes by ECDSA, as on chain", async () => {
    // code that reverts on every call: ERC-1271 would refuse everything; the contract tries ECDSA first
    const alice = env.b.alice.address;
    await env.b.ethers.provider.send("hardhat_setCode", [alice, "0x60006000fd"]);
    try {
      const own = await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env));
      const ok = await request(url, "POST", own);
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
      // another key for the same account: ECDSA fails, the account has code, its ERC-1271 answer decides (no)
      const r = await rejects(
        await orderBody(env.b, env.physical, env.b.bob, await aliceOrder(env)),
        400,
        "bad_signature",
        "signature",
      );
      expect(r.body.message).to.contain("ERC-1271");
    } finally {
      await env.b.ethers.provider.send("hardhat_setCode", [alice, "0x"]);
    }
  });

  it("expired, and expiring within the relay's margin", async () => {
    const now = BigInt((await env.b.ethers.provider.getBlock("latest"))!.timestamp);
    await rejects(
      await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env, { expiry: now })),
      400,
      "expired",
      "order.expiry",
    );
    await rejects(
      await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env, { expiry: now + 30n })),
      400,
      "expiring",
      "order.expiry",
    );
  });

  it("fee: the session charges makers more than the order accepts", async () => {
    await rejects(
      await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env, { maxFeeBps: 4n })),
      400,
      "fee_above_signed",
      "order.maxFeeBps",
    );
  });

  it("the fee recipient as maker is refused", async () => {
    const o = await makeOrder(env.b, env.b.feeTo.address, [0, 1], [-1n, 1n]);
    await rejects(await orderBody(env.b, env.physical, env.b.feeTo, o), 400, "maker_not_allowed", "order.maker");
  });

  it("nonce below the maker's floor", async () => {
    await env.physical.connect(env.b.carol).raiseNonceFloor(5n);
    const o = await makeOrder(env.b, env.b.carol.address, [0, 1], [-1n, 1n], { nonce: 4n });
    await rejects(await orderBody(env.b, env.physical, env.b.carol, o), 400, "nonce_below_floor", "order.nonce");
  });

  it("cancelled on chain, and fully filled: 409 naming the digest", async () => {
    const c = await aliceOrder(env);
    await env.physical.connect(env.b.alice).cancel(c);
    await rejects(await orderBody(env.b, env.physical, env.b.alice, c), 409, "cancelled", "digest");
    const f = await aliceOrder(env);
    const body = await orderBody(env.b, env.physical, env.b.alice, f);
    await env.physical.connect(env.b.bob).fill(f, String(body.signature), 10n ** 18n);
    await rejects(body, 409, "filled", "digest");
  });

  it("a salt in use by a live order of the maker: 409 salt_in_use; the salt is free again once that order is not live", async () => {
    const live = await aliceOrder(env, {}, 1n, 3n);
    const liveBody = await orderBody(env.b, env.physical, env.b.alice, live);
    expect((await request(url, "POST", liveBody)).status).to.equal(201);
    // another order (another price) with the same salt: on chain the two would share one fill record
    const twin = await aliceOrder(env, { salt: live.salt }, 1n, 4n);
    const r = await rejects(await orderBody(env.b, env.physical, env.b.alice, twin), 409, "salt_in_use", "order.salt");
    expect(r.body.message).to.contain(String(liveBody.digest)).and.contain(live.salt.toString());
    // the same salt of another maker is another record
    const bobs = await makeOrder(env.b, env.b.bob.address, [0, 1], [-1n * 10n ** 18n, 3n * 10n ** 6n], {
      salt: live.salt,
    });
    const bobBody = await orderBody(env.b, env.physical, env.b.bob, bobs);
    expect((await request(url, "POST", bobBody)).status).to.equal(201);
    // cancelled on chain, the first order stops being live (and its record is the cancel mark, which the twin
    // shares: the relay then says so as `cancelled`)
    await (await env.physical.connect(env.b.alice).cancel(live)).wait();
    await relay.sync();
    await rejects(await orderBody(env.b, env.physical, env.b.alice, twin), 409, "cancelled", "digest");
    await (await env.physical.connect(env.b.bob).cancel(bobs)).wait();
    await relay.sync();
  });

  it("unfundable: physical beyond the allocation, cash beyond the margin rule (simulated fill)", async () => {
    const big = await aliceOrder(env, {}, 11n, 1n); // gives 11 tokens of leg 0; alice holds at most 10
    await rejects(await orderBody(env.b, env.physical, env.b.alice, big), 422, "unfundable", "order.maker");
    // cash: selling 10,000 units of leg 0 (floor 50, cap 200) needs far more margin than 10 shares' deposit
    const cashBig = await makeOrder(env.b, env.b.alice.address, [0, 1], [-10_000n * 10n ** 18n, 1n]);
    await rejects(
      await orderBody(env.b, env.cash, env.b.alice, cashBig),
      422,
      "unfundable",
      "order.maker",
      `${relay.url}/sessions/${env.C}/orders`,
    );
    const cashOk = await makeOrder(env.b, env.b.alice.address, [0, 1], [-1n * 10n ** 18n, 1n * 10n ** 18n]);
    const ok = await request(
      `${relay.url}/sessions/${env.C}/orders`,
      "POST",
      await orderBody(env.b, env.cash, env.b.alice, cashOk),
    );
    expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
  });

  it("hostile input: a body over the limit (413), an unbounded page (400), an unknown digest (404)", async () => {
    const huge = { pad: "x".repeat(20_000) };
    await rejects(huge, 413, "body_too_large", null);
    const page = await request(`${url}?limit=1000`, "GET");
    expect(page.status).to.equal(400);
    expect(page.body).to.include({ code: "bad_parameter" });
    const missing = await request(`${relay.url}/orders/0x${"ab".repeat(32)}`, "GET");
    expect(missing.status).to.equal(404);
    expect(missing.body).to.include({ code: "unknown_order", field: "digest" });
  });

  it("stored nothing invalid: only the accepted orders are in the store", async () => {
    const rows = await relay.store.all<{ n: bigint }>("SELECT COUNT(*) AS n FROM orders");
    // the valid physical order, the two of the salt test, the fundable cash order and the order of the account
    // with code
    expect(rows[0].n).to.equal(5n);
  });
});
