import { expect } from "chai";
import { network } from "hardhat";

import { profileTx } from "../../bench/profile.js";
import { profileBySource } from "../../bench/source-profile.js";

const conn = await network.create();

describe("bench: gas by Solidity function (BENCH_PROFILE_SOURCE)", () => {
  it("chargesEveryExecutedStep_toAFunctionOfTheMatchedArtifact_immutablesMasked", async () => {
    const [alice, bob] = await conn.ethers.getSigners();
    // MockERC20 has an immutable (its decimals): the deployed code differs from the artifact there.
    const token = await conn.ethers.deployContract("MockERC20", ["Token", "TKN", 6]);
    await (await token.mint(alice.address, 1_000n)).wait();
    const receipt = await (await token.transfer(bob.address, 10n)).wait();
    if (receipt === null) throw new Error("no receipt");
    const provider = conn.ethers.provider as unknown as Parameters<typeof profileBySource>[0];

    const bySource = await profileBySource(provider, receipt.hash);
    const byClass = await profileTx(provider, receipt.hash, Number(receipt.gasUsed));
    const executed = Object.values(byClass.byClass).reduce((x, y) => x + y, 0);

    expect(bySource.rows.reduce((s, r) => s + r.gas, 0)).to.equal(executed);
    expect(bySource.unmatched).to.equal(0);
    const rows = new Map(bySource.rows.map((r) => [r.label, r]));
    // The balance writes: the sender's rewrite (2,100 + 2,900) and the receiver's fresh slot (2,100 + 20,000).
    expect(rows.get("ERC20._update")?.gas ?? 0).to.be.greaterThan(27_000);
    expect(rows.has("ERC20.transfer")).to.equal(true);
    for (const r of bySource.rows) expect(r.compute).to.be.at.most(r.gas);
  });
});
