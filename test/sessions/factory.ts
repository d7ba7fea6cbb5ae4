import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress, ZeroHash, keccak256, AbiCoder, concat, getBytes } from "ethers";

import { Participation, SettlementMode, type SessionConfig } from "../../sdk/sessions/config.js";
import { cashConfig, createPhysical, deployBase, physicalConfig, physicalUnit } from "./fixtures.js";

const conn = await network.create();

async function fixture() {
  return deployBase(conn);
}

function leaf(addr: string): string {
  return keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(["address"], [addr])));
}
function hashPair(a: string, b: string): string {
  return BigInt(a) < BigInt(b)
    ? keccak256(concat([getBytes(a), getBytes(b)]))
    : keccak256(concat([getBytes(b), getBytes(a)]));
}

describe("SessionFactory", () => {
  it("create_emitsAndRegistersAPhysicalAndACashSession", async () => {
    const b = await conn.networkHelpers.loadFixture(fixture);
    const cfg = await physicalConfig(b);
    await expect(b.factory.createSession(cfg)).to.emit(b.factory, "SessionCreated");
    await expect(b.factory.createSession(await cashConfig(b))).to.emit(b.factory, "SessionCreated");
    expect(await b.factory.sessionCount()).to.equal(2n);
    const s = await b.ethers.getContractAt("PhysicalSession", await b.factory.sessions(0));
    expect(await b.factory.isSession(await s.getAddress())).to.equal(true);
    const c = await s.config();
    expect(c.legCount).to.equal(5n);
    expect(c.takerFeeBps).to.equal(10n);
    const [t1, t2] = await s.windows();
    expect(t1).to.equal(cfg.t1);
    expect(t2).to.equal(cfg.t2);
    const leg1 = await s.leg(1);
    expect(leg1.decimals).to.equal(6n);
    expect(leg1.unit).to.equal(physicalUnit(1));
    expect(await s.hasRole(await s.GUARDIAN_ROLE(), b.guardian.address)).to.equal(true);
  });

  const cases: [string, (c: SessionConfig, b: Awaited<ReturnType<typeof deployBase>>) => void, number][] = [
    [
      "legs",
      (c) => {
        c.legs = [];
      },
      0,
    ],
    [
      "legs",
      (c) => {
        c.legs = Array.from({ length: 33 }, () => c.legs[0]);
      },
      33,
    ],
    [
      "t1",
      (c, b) => {
        c.t1 = b.now - 10n;
      },
      -1,
    ],
    [
      "t2",
      (c) => {
        c.t2 = c.t1;
      },
      -1,
    ],
    [
      "fallbackDeadline",
      (c) => {
        c.fallbackDeadline = c.t2;
      },
      -1,
    ],
    [
      "claimDeadline",
      (c) => {
        c.claimDeadline = c.fallbackDeadline - 1n;
      },
      -1,
    ],
    [
      "takerFeeBps",
      (c) => {
        c.takerFeeBps = 501;
      },
      501,
    ],
    [
      "makerFeeBps",
      (c) => {
        c.makerFeeBps = 501;
      },
      501,
    ],
    [
      "feeRecipient",
      (c) => {
        c.feeRecipient = ZeroAddress;
      },
      0,
    ],
    [
      "admin",
      (c) => {
        c.admin = ZeroAddress;
      },
      0,
    ],
    [
      "merkleRoot",
      (c) => {
        c.participation = Participation.Merkle;
        c.merkleRoot = ZeroHash;
      },
      0,
    ],
    [
      "mode",
      (c) => {
        c.mode = SettlementMode.Cash;
      },
      2,
    ],
    [
      "collateral",
      (c, b) => {
        c.collateral = b.admin.address;
      },
      0,
    ],
    [
      "unit",
      (c) => {
        c.legs[2] = { ...c.legs[2], unit: 0n };
      },
      2,
    ],
    [
      "token",
      (c) => {
        c.legs[3] = { ...c.legs[3], token: c.legs[0].token };
      },
      3,
    ],
    [
      "token",
      (c) => {
        c.legs[1] = { ...c.legs[1], token: ZeroAddress };
      },
      1,
    ],
    [
      "floor",
      (c) => {
        c.legs[1] = { ...c.legs[1], floor: 1n };
      },
      1,
    ],
  ];
  for (const [field, mutate, index] of cases) {
    it(`reverts_invalidPhysicalConfig_${field}_${index}`, async () => {
      const b = await conn.networkHelpers.loadFixture(fixture);
      const cfg = await physicalConfig(b);
      mutate(cfg, b);
      const call = b.factory.createSession(cfg);
      if (index >= 0)
        await expect(call).to.be.revertedWithCustomError(b.factory, "InvalidConfig").withArgs(field, BigInt(index));
      else await expect(call).to.be.revertedWithCustomError(b.factory, "InvalidConfig");
    });
  }

  const cashCases: [string, (c: SessionConfig) => void, number][] = [
    [
      "mode",
      (c) => {
        c.mode = SettlementMode.InKind;
      },
      0,
    ],
    [
      "collateral",
      (c) => {
        c.collateral = ZeroAddress;
      },
      0,
    ],
    [
      "token",
      (c) => {
        c.legs[0] = { ...c.legs[0], token: c.collateral };
      },
      0,
    ],
    [
      "floor",
      (c) => {
        c.legs[1] = { ...c.legs[1], floor: 0n };
      },
      1,
    ],
    [
      "cap",
      (c) => {
        c.legs[2] = { ...c.legs[2], cap: c.legs[2].floor - 1n };
      },
      2,
    ],
    [
      "cap",
      (c) => {
        c.legs[2] = { ...c.legs[2], cap: 10n ** 31n };
      },
      2,
    ],
  ];
  for (const [field, mutate, index] of cashCases) {
    it(`reverts_invalidCashConfig_${field}_${index}`, async () => {
      const b = await conn.networkHelpers.loadFixture(fixture);
      const cfg = await cashConfig(b);
      mutate(cfg);
      await expect(b.factory.createSession(cfg))
        .to.be.revertedWithCustomError(b.factory, "InvalidConfig")
        .withArgs(field, BigInt(index));
    });
  }

  it("reverts_invalidFixingSpec_namesTheField", async () => {
    const b = await conn.networkHelpers.loadFixture(fixture);
    const cfg = await physicalConfig(b);
    cfg.legs[0] = { ...cfg.legs[0], fixing: { ...cfg.legs[0].fixing, heartbeat: 0 } };
    await expect(b.factory.createSession(cfg)).to.be.revertedWithCustomError(b.factory, "ZeroHeartbeat");
  });

  describe("participation", () => {
    it("role_onlyParticipantsSubscribeAndTrade", async () => {
      const b = await conn.networkHelpers.loadFixture(fixture);
      const s = await createPhysical(b, { participation: Participation.Role });
      for (let k = 0; k < 5; k++) {
        await b.tokens[k].mint(b.alice.address, physicalUnit(k));
        await b.tokens[k].connect(b.alice).approve(await s.getAddress(), physicalUnit(k));
      }
      await expect(s.connect(b.alice).subscribe(1n, []))
        .to.be.revertedWithCustomError(s, "NotAllowed")
        .withArgs(b.alice.address);
      await s.connect(b.admin).grantRole(await s.PARTICIPANT_ROLE(), b.alice.address);
      await expect(s.connect(b.alice).subscribe(1n, [])).to.emit(s, "Subscribed");
      await expect(s.connect(b.alice).admit([])).to.be.revertedWithCustomError(s, "NotMerkleSession");
    });

    it("merkle_proofAdmitsAndBadProofReverts", async () => {
      const b = await conn.networkHelpers.loadFixture(fixture);
      const la = leaf(b.alice.address);
      const lb = leaf(b.bob.address);
      const root = hashPair(la, lb);
      const s = await createPhysical(b, { participation: Participation.Merkle, merkleRoot: root });
      for (let k = 0; k < 5; k++) {
        for (const who of [b.alice, b.carol]) {
          await b.tokens[k].mint(who.address, physicalUnit(k));
          await b.tokens[k].connect(who).approve(await s.getAddress(), physicalUnit(k));
        }
      }
      await expect(s.connect(b.carol).subscribe(1n, [lb]))
        .to.be.revertedWithCustomError(s, "BadProof")
        .withArgs(b.carol.address);
      await expect(s.connect(b.alice).subscribe(1n, [lb]))
        .to.emit(s, "Admitted")
        .withArgs(b.alice.address);
      await expect(s.connect(b.bob).admit([la])).to.emit(s, "Admitted");
      const [, , , admitted] = await s.accountOf(b.bob.address);
      expect(admitted).to.equal(true);
    });
  });
});
