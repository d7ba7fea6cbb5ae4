import { expect } from "chai";
import { HDNodeWallet, type Contract } from "ethers";
import { network } from "hardhat";

import { eip1193Signer, signTypedDataV4, typedDataPayload, type Eip1193Provider } from "../../sdk/eip1193.js";
import { ORDER_TYPES, orderDigest, signMarketOrder } from "../../sdk/markets/typedData.js";
import { verifyRoot } from "../../sdk/markets/verifier.js";
import { SESSION_ORDER_TYPES, hashSessionOrder, sessionDomain, signSessionOrder } from "../../sdk/sessions/orders.js";
import { deployMarkets, UNIT } from "../markets/fixture.js";
import { DAY, WAD, createPhysical, deployBase, makeOrder, subscribePhysical } from "../sessions/fixtures.js";

// Hardhat's in-process network: `conn.provider` is its EIP-1193 provider, whose accounts are unlocked, so it
// answers eth_signTypedData_v4 the way a wallet does.
const conn = await network.create();

/**
 * The ethers Wallet of default account `index`, signing locally from its key (Hardhat's default mnemonic), so
 * the comparison below is with a signature that never went through the provider under test.
 */
function localWallet(index: number, expected: string): HDNodeWallet {
  const w = HDNodeWallet.fromPhrase(
    "test test test test test test test test test test test junk",
    undefined,
    `m/44'/60'/0'/0/${index}`,
  );
  expect(w.address).to.equal(expected);
  return w;
}

async function sessionFixture() {
  const b = await deployBase(conn);
  const session = await createPhysical(b);
  await subscribePhysical(b, session, b.alice, 10n);
  await subscribePhysical(b, session, b.bob, 10n);
  await b.networkHelpers.time.increaseTo(b.now + DAY);
  return { b, session, domain: sessionDomain(await session.getAddress(), b.chainId) };
}

describe("EIP-1193 signing (eth_signTypedData_v4)", () => {
  it("payload_carriesEip712DomainAndDecimalStrings_andIsPlainJson", async () => {
    const { b, domain } = await conn.networkHelpers.loadFixture(sessionFixture);
    const order = await makeOrder(b, b.alice.address, [0, 3], [-7n * WAD, 2n ** 200n], { salt: 42n });
    const p = typedDataPayload(domain, SESSION_ORDER_TYPES, { ...order });
    // Compared as JSON text: exact types and key order (chai's deep equal here treats 31337 and "0x7a69" alike).
    const expected = {
      types: {
        SessionOrder: SESSION_ORDER_TYPES.SessionOrder,
        EIP712Domain: [
          { name: "name", type: "string" },
          { name: "version", type: "string" },
          { name: "chainId", type: "uint256" },
          { name: "verifyingContract", type: "address" },
        ],
      },
      domain: {
        name: "Ringfence Session",
        version: "1",
        chainId: 31337,
        verifyingContract: String(domain.verifyingContract).toLowerCase(),
      },
      primaryType: "SessionOrder",
      message: {
        maker: b.alice.address.toLowerCase(),
        taker: "0x0000000000000000000000000000000000000000",
        legs: "9",
        amounts: [(-7n * WAD).toString(), (2n ** 200n).toString()],
        maxFeeBps: order.maxFeeBps.toString(),
        expiry: order.expiry.toString(),
        nonce: order.nonce.toString(),
        salt: "42",
      },
    };
    expect(b.chainId).to.equal(31337n);
    expect(JSON.stringify(p)).to.equal(JSON.stringify(expected));
    expect(typeof p.domain.chainId).to.equal("number");
    // Plain JSON: it survives a text round trip unchanged (a bigint anywhere would make stringify throw).
    expect(JSON.parse(JSON.stringify(p))).to.deep.equal(p);
  });

  it("payload_chainIdIsAJsonNumber_andAChainIdAbove2pow53IsRefused", () => {
    const types = { M: [{ name: "x", type: "uint256" }] };
    const at = (chainId: bigint) => ({ chainId, verifyingContract: "0x000000000000000000000000000000000000dEaD" });
    expect(JSON.stringify(typedDataPayload(at(1n), types, { x: 1n }).domain)).to.equal(
      '{"chainId":1,"verifyingContract":"0x000000000000000000000000000000000000dead"}',
    );
    expect(typedDataPayload(at(2n ** 53n - 1n), types, { x: 1n }).domain.chainId).to.equal(Number.MAX_SAFE_INTEGER);
    expect(() => typedDataPayload(at(2n ** 53n), types, { x: 1n })).to.throw(/above 2\^53 - 1/);
  });

  it("payload_rejectsValueOutsideItsType_beforeAnyWalletIsAsked", async () => {
    const fx = await deployMarkets(conn);
    const o = await fx.order(fx.signers[1], 1n, 1, 40, 2n ** 63n); // int64 holds at most 2^63 - 1
    let asked = false;
    const wallet: Eip1193Provider = {
      request: async () => {
        asked = true;
        return "0x";
      },
    };
    await expect(signMarketOrder(eip1193Signer(wallet, o.trader), fx.domain, o)).to.be.rejectedWith(
      /value out-of-bounds for int64/,
    );
    expect(asked).to.equal(false);
  });

  it("reverts_whenWalletAnswersWithoutSignature_namingTheFix", async () => {
    const { b, domain } = await conn.networkHelpers.loadFixture(sessionFixture);
    const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n]);
    for (const answer of [null, "", "0x", "not hex", 65]) {
      const wallet: Eip1193Provider = { request: async () => answer };
      await expect(
        signTypedDataV4(wallet, b.alice.address, domain, SESSION_ORDER_TYPES, { ...order }),
      ).to.be.rejectedWith(/instead of a 0x-hex signature: check that the wallet supports eth_signTypedData_v4/);
    }
  });

  it("sessionOrder_signedThroughHardhatProvider_equalsEthersSignature_andFillsOnChain", async () => {
    const { b, session, domain } = await conn.networkHelpers.loadFixture(sessionFixture);
    const order = await makeOrder(b, b.alice.address, [0, 1], [-1n * WAD, 3n * 10n ** 5n]);
    const requests: Array<{ method: string; params?: readonly unknown[] }> = [];
    const recording: Eip1193Provider = {
      request: (args) => {
        requests.push(args);
        return conn.provider.request(args as { method: string; params?: unknown[] });
      },
    };
    const viaWallet = await signSessionOrder(eip1193Signer(recording, b.alice.address), order, domain);
    expect(requests.map((r) => r.method)).to.deep.equal(["eth_signTypedData_v4"]);
    expect(requests[0].params?.[0]).to.equal(b.alice.address);
    expect(requests[0].params?.[1]).to.equal(
      JSON.stringify(typedDataPayload(domain, SESSION_ORDER_TYPES, { ...order })),
    );
    expect(String(requests[0].params?.[1])).to.contain(`"chainId":31337,`);
    expect(viaWallet).to.equal(await signSessionOrder(localWallet(3, b.alice.address), order, domain));
    const digest = hashSessionOrder(order, domain);
    expect(await session.hashOrder(order)).to.equal(digest);
    await expect(session.connect(b.bob).fill(order, viaWallet, WAD / 2n)).to.emit(session, "Traded");
    expect(await session.filledOf(order.maker, order.salt)).to.equal(WAD / 2n);
  });

  it("sessionOrder_signedByAnotherAccountThroughProvider_isRejectedOnChain", async () => {
    const { b, session, domain } = await conn.networkHelpers.loadFixture(sessionFixture);
    const order = await makeOrder(b, b.alice.address, [0, 1], [-1n * WAD, 1n * WAD]);
    const sig = await signSessionOrder(eip1193Signer(conn.provider, b.carol.address), order, domain);
    await expect(session.connect(b.bob).fill(order, sig, WAD)).to.be.revertedWithCustomError(session, "BadSignature");
  });

  it("marketOrder_signedThroughHardhatProvider_equalsEthersSignature_isPlacedAndVerified", async () => {
    const fx = await deployMarkets(conn);
    const [, trader, relayer, other] = fx.signers;
    const rootId = await fx.createRoot(-20n, 80n);
    await fx.fund(trader, 10n * UNIT);
    await fx.fund(other, 10n * UNIT);
    const bid = await fx.order(trader, rootId, 1, 40, 5n);
    const offer = await fx.order(trader, rootId, 1, 70, -3n);
    const wallet = eip1193Signer(conn.provider, await trader.getAddress());
    const local = localWallet(1, await trader.getAddress());
    for (const o of [bid, offer]) {
      const sig = await signMarketOrder(wallet, fx.domain, o);
      expect(sig).to.equal(await local.signTypedData(fx.domain, ORDER_TYPES, o));
      await (await (fx.core.connect(relayer) as Contract).place(o, sig, 4)).wait();
    }
    // The bid rests in full; a direct offer from another trader crosses it.
    await (await (fx.core.connect(other) as Contract).place(await fx.order(other, rootId, 1, 40, -2n), "0x", 4)).wait();
    expect(await fx.core.filledOf(bid.trader, bid.salt)).to.equal(5n);
    expect(await fx.core.filledOf(offer.trader, offer.salt)).to.equal(3n);
    // The off-chain verifier re-checks both signatures from the event log and agrees with the contract.
    const replay = await verifyRoot(conn.ethers.provider, fx.coreAddress, rootId);
    expect(replay.problems).to.deep.equal([]);
    expect(replay.records).to.be.greaterThanOrEqual(4);
  });
});
