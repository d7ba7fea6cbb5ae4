import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress } from "ethers";

import { hashSessionOrder, sessionDomain, type SessionOrder } from "../../sdk/sessions/orders.js";
import { prng } from "../shared/prng.js";
import { DAY, WAD, createPhysical, deployBase, makeOrder, physicalUnit, sign, subscribePhysical } from "./fixtures.js";

const conn = await network.create();

async function fixture() {
  const b = await deployBase(conn);
  const session = await createPhysical(b);
  await subscribePhysical(b, session, b.alice, 10n);
  await subscribePhysical(b, session, b.bob, 10n);
  return { b, session };
}

describe("Session orders: typed data and signatures", () => {
  it("typedDataHash_equalsSolidityDigest_forManyRandomOrders", async () => {
    const { b, session } = await conn.networkHelpers.loadFixture(fixture);
    const domain = sessionDomain(await session.getAddress(), b.chainId);
    const r = prng(7);
    for (let i = 0; i < 40; i++) {
      const m = Number(r.bits(5)) + 1;
      const amounts: bigint[] = [];
      for (let j = 0; j < m; j++) amounts.push(r.sign() * r.bits(127));
      const order: SessionOrder = {
        maker: "0x" + r.bits(160).toString(16).padStart(40, "0"),
        taker: i % 3 === 0 ? ZeroAddress : "0x" + r.bits(160).toString(16).padStart(40, "0"),
        legs: r.bits(32),
        amounts,
        maxFeeBps: r.bits(16),
        expiry: r.bits(64),
        nonce: r.bits(256),
        salt: r.bits(256),
      };
      expect(await session.hashOrder(order)).to.equal(hashSessionOrder(order, domain));
    }
  });

  it("signTypedData_fromSdkIsAcceptedOnChain", async () => {
    const { b, session } = await conn.networkHelpers.loadFixture(fixture);
    await b.networkHelpers.time.increaseTo(b.now + DAY);
    const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n]);
    await expect(session.connect(b.bob).fill(order, await sign(b, session, b.alice, order), WAD)).to.emit(
      session,
      "Traded",
    );
  });

  describe("ERC-1271 makers", () => {
    async function walletFixture() {
      const f = await fixture();
      const { b, session } = f;
      const wallet = await b.ethers.deployContract("MockERC1271Wallet", [b.carol.address]);
      const approveAll = await b.ethers.deployContract("MockERC1271ApproveAll", [b.dave.address]);
      const reverting = await b.ethers.deployContract("MockERC1271Reverting", [b.dave.address]);
      const burner = await b.ethers.deployContract("MockERC1271GasBurner", [b.dave.address]);
      // The honest wallet subscribes through its owner.
      const sAddr = await session.getAddress();
      for (let k = 0; k < 5; k++) {
        await b.tokens[k].mint(await wallet.getAddress(), 5n * physicalUnit(k));
        await wallet.connect(b.carol).approve(await b.tokens[k].getAddress(), sAddr);
      }
      await wallet.connect(b.carol).execute(sAddr, session.interface.encodeFunctionData("subscribe", [5n, []]));
      await b.networkHelpers.time.increaseTo(b.now + DAY);
      return { ...f, wallet, approveAll, reverting, burner };
    }

    it("wallet_ownerSignatureFills", async () => {
      const { b, session, wallet } = await conn.networkHelpers.loadFixture(walletFixture);
      const order = await makeOrder(b, await wallet.getAddress(), [0, 1], [-1n, 1n]);
      await expect(session.connect(b.bob).fill(order, await sign(b, session, b.carol, order), WAD)).to.emit(
        session,
        "Traded",
      );
    });

    it("reverts_walletRevokedSignature", async () => {
      const { b, session, wallet } = await conn.networkHelpers.loadFixture(walletFixture);
      const order = await makeOrder(b, await wallet.getAddress(), [0, 1], [-1n, 1n]);
      const sig = await sign(b, session, b.carol, order);
      await wallet.connect(b.carol).revoke(await session.hashOrder(order));
      await expect(session.connect(b.bob).fill(order, sig, WAD)).to.be.revertedWithCustomError(session, "BadSignature");
    });

    it("reverts_approveAllWalletCannotSignForOthers", async () => {
      const { b, session, approveAll } = await conn.networkHelpers.loadFixture(walletFixture);
      // An order naming alice as maker, "signed" with junk: the approve-all wallet's blessing is irrelevant.
      const order = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n]);
      const junk = "0x" + "11".repeat(65);
      await expect(session.connect(b.bob).fill(order, junk, WAD)).to.be.revertedWithCustomError(
        session,
        "BadSignature",
      );
      // Its own orders pass signature checks but it holds nothing to give.
      const own = await makeOrder(b, await approveAll.getAddress(), [0, 1], [-1n, 1n]);
      await expect(session.connect(b.bob).fill(own, junk, WAD)).to.be.revertedWithCustomError(
        session,
        "InsufficientAllocation",
      );
    });

    it("reverts_revertingAndGasBurningWalletsFailCleanly", async () => {
      const { b, session, reverting, burner } = await conn.networkHelpers.loadFixture(walletFixture);
      for (const w of [reverting, burner]) {
        const order = await makeOrder(b, await w.getAddress(), [0, 1], [1n, -1n]);
        await expect(
          session.connect(b.bob).fill(order, "0x" + "22".repeat(65), WAD, { gasLimit: 3_000_000 }),
        ).to.be.revertedWithCustomError(session, "BadSignature");
      }
    });
  });
});
