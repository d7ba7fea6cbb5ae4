import { expect } from "chai";
import { network } from "hardhat";

import { createPhysical, deployBase } from "./fixtures.js";

describe("sessions: the admin role moves only in two steps", () => {
  async function setup() {
    const b = await deployBase(await network.create(), 2);
    const session = await createPhysical(b);
    const ADMIN = await session.DEFAULT_ADMIN_ROLE();
    return { b, session, ADMIN };
  }

  it("reverts_whenAdminRoleGrantedDirectly, even by the admin", async () => {
    const { b, session, ADMIN } = await setup();
    await expect(session.connect(b.admin).grantRole(ADMIN, b.alice.address)).to.be.revertedWithCustomError(
      session,
      "AdminTransferIsTwoStep",
    );
    expect(await session.hasRole(ADMIN, b.alice.address)).to.equal(false);
  });

  it("moves the role when the offered account accepts, and the old admin loses it", async () => {
    const { b, session, ADMIN } = await setup();
    await expect(session.connect(b.admin).beginAdminTransfer(b.alice.address))
      .to.emit(session, "AdminTransferStarted")
      .withArgs(b.admin.address, b.alice.address);
    expect(await session.hasRole(ADMIN, b.admin.address)).to.equal(true); // until accepted
    await session.connect(b.alice).acceptAdminTransfer();
    expect(await session.hasRole(ADMIN, b.alice.address)).to.equal(true);
    expect(await session.hasRole(ADMIN, b.admin.address)).to.equal(false);
    expect(await session.pendingAdmin()).to.equal(b.ethers.ZeroAddress);
  });

  it("reverts_whenSomeoneElseAccepts, and an offer can be withdrawn", async () => {
    const { b, session } = await setup();
    await session.connect(b.admin).beginAdminTransfer(b.alice.address);
    await expect(session.connect(b.bob).acceptAdminTransfer())
      .to.be.revertedWithCustomError(session, "NotPendingAdmin")
      .withArgs(b.bob.address, b.alice.address);
    await session.connect(b.admin).beginAdminTransfer(b.ethers.ZeroAddress);
    await expect(session.connect(b.alice).acceptAdminTransfer()).to.be.revertedWithCustomError(
      session,
      "NotPendingAdmin",
    );
  });

  it("reverts_whenNonAdminBeginsATransfer", async () => {
    const { b, session, ADMIN } = await setup();
    await expect(session.connect(b.bob).beginAdminTransfer(b.bob.address))
      .to.be.revertedWithCustomError(session, "AccessControlUnauthorizedAccount")
      .withArgs(b.bob.address, ADMIN);
  });

  it("still lets the admin grant the other roles", async () => {
    const { b, session } = await setup();
    const G = await session.GUARDIAN_ROLE();
    await session.connect(b.admin).grantRole(G, b.carol.address);
    expect(await session.hasRole(G, b.carol.address)).to.equal(true);
  });
});
