import { expect } from "chai";
import { TypedDataEncoder, type Contract } from "ethers";
import { network } from "hardhat";

import { ORDER_TYPES, ORDER_TYPE_STRING, orderDigest, type MarketOrder } from "../../sdk/markets/typedData.js";
import { deployMarkets, UNIT } from "./fixture.js";

const connection = await network.create();

function rnd(bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(Math.floor(Math.random() * 65_536));
  return v & ((1n << BigInt(bits)) - 1n);
}

describe("markets typed data", () => {
  it("TS type string equals the one the contract hashes", async () => {
    expect(TypedDataEncoder.from(ORDER_TYPES).encodeType("Order")).to.equal(ORDER_TYPE_STRING);
  });

  it("TS digests equal Solidity digests for many random orders", async () => {
    const fx = await deployMarkets(connection);
    for (let i = 0; i < 60; i++) {
      const q = rnd(47) + 1n;
      const o: MarketOrder = {
        rootId: rnd(64),
        branchId: Number(rnd(16)),
        tick: Number(rnd(8)),
        quantity: Math.random() < 0.5 ? q : -q,
        orderType: Number(rnd(2)),
        expiry: rnd(64),
        nonce: rnd(256),
        salt: rnd(256),
        trader: connection.ethers.getAddress("0x" + rnd(160).toString(16).padStart(40, "0")),
      };
      expect(orderDigest(fx.domain, o)).to.equal(await fx.core.orderDigest(o));
    }
  });

  it("a signature for another contract or another chain is rejected", async () => {
    const fx = await deployMarkets(connection);
    const [, trader, relayer] = fx.signers;
    const rootId = await fx.createRoot(0n, 100n);
    await fx.fund(trader, 10n * UNIT);
    const o = await fx.order(trader, rootId, 1, 40, 5n);
    const otherContract = { ...fx.domain, verifyingContract: await fx.token.getAddress() };
    const otherChain = { ...fx.domain, chainId: 1n };
    for (const domain of [otherContract, otherChain]) {
      const sig = await trader.signTypedData(domain, ORDER_TYPES, o);
      await expect((fx.core.connect(relayer) as Contract).place(o, sig, 4)).to.be.revertedWithCustomError(
        fx.core,
        "BadSignature",
      );
    }
  });

  it("an ethers signTypedData signature lets a relayer place the order", async () => {
    const fx = await deployMarkets(connection);
    const [, trader, relayer] = fx.signers;
    const rootId = await fx.createRoot(0n, 100n);
    await fx.fund(trader, 10n * UNIT);
    const o = await fx.order(trader, rootId, 1, 40, 5n);
    const sig = await trader.signTypedData(fx.domain, ORDER_TYPES, o);
    await (await (fx.core.connect(relayer) as Contract).place(o, sig, 4)).wait();
    expect(await fx.core.filledOf(o.trader, o.salt)).to.equal(5n);
    // A signature over another order (tampered price) is rejected.
    const forged = { ...o, tick: 41, salt: o.salt + 1n };
    await expect((fx.core.connect(relayer) as Contract).place(forged, sig, 4)).to.be.revertedWithCustomError(
      fx.core,
      "BadSignature",
    );
  });
});
