/**
 * Deploys the session family on a network where the Ignition module is not wanted (tests, bench, scripts):
 * the oracle adapter, the three session implementations (the margin one with its module) and the factory.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import type { PhysicalSession, SessionFactory, SessionOracle } from "../../types/ethers-contracts/index.js";

export interface SessionFamily {
  factory: SessionFactory;
  oracle: SessionOracle;
  /** The physical implementation itself (every call to it reverts `NotASession`). */
  physicalImpl: PhysicalSession;
}

export async function deploySessionFamily(ethers: HardhatEthers): Promise<SessionFamily> {
  const physical = (await ethers.deployContract("PhysicalSession")) as unknown as PhysicalSession;
  const cash = await ethers.deployContract("CashSession");
  const oracle = (await ethers.deployContract("SessionOracle")) as unknown as SessionOracle;
  const module = await ethers.deployContract("MarginModule");
  const margin = await ethers.deployContract("MarginSession", [await module.getAddress()]);
  const factory = (await ethers.deployContract("SessionFactory", [
    await physical.getAddress(),
    await cash.getAddress(),
    await margin.getAddress(),
    await oracle.getAddress(),
  ])) as unknown as SessionFactory;
  return { factory, oracle, physicalImpl: physical };
}
