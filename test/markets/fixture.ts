/** Shared deployment for the bounded-market mocha tests. */
import type { Contract, Signer } from "ethers";
import { network } from "hardhat";

import { marketsAt } from "../../sdk/markets/abi.js";
import { marketsDomain, type MarketOrder } from "../../sdk/markets/typedData.js";

export type Connection = Awaited<ReturnType<typeof network.create>>;

export interface MarketsFixture {
  connection: Connection;
  core: Contract;
  coreAddress: string;
  token: Contract;
  signers: Signer[];
  domain: ReturnType<typeof marketsDomain>;
  now: () => Promise<bigint>;
  /** Creates a root owned by signers[0] over [min, max] with unitScale 10_000 (1 contract = 1e6 units). */
  createRoot: (min: bigint, max: bigint) => Promise<bigint>;
  createSub: (rootId: bigint, parent: number, min: bigint, max: bigint) => Promise<number>;
  fund: (who: Signer, amount: bigint) => Promise<void>;
  order: (
    trader: Signer,
    rootId: bigint,
    branchId: number,
    tick: number,
    quantity: bigint,
    orderType?: number,
  ) => Promise<MarketOrder>;
}

export const SCALE = 10_000n;
export const UNIT = 1_000_000n;

let saltCounter = 0n;

export async function deployMarkets(connection: Connection): Promise<MarketsFixture> {
  const { ethers } = connection;
  const signers: Signer[] = await ethers.getSigners();
  const admin = await ethers.deployContract("BoundedMarketsAdmin");
  const coreDeployed = await ethers.deployContract("BoundedMarkets", [await admin.getAddress()]);
  const coreAddress = await coreDeployed.getAddress();
  const core = marketsAt(coreAddress, signers[0]);
  const token = (await ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6])) as unknown as Contract;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const fx: MarketsFixture = {
    connection,
    core,
    coreAddress,
    token,
    signers,
    domain: marketsDomain(chainId, coreAddress),
    now,
    createRoot: async (min, max) => {
      const t = await now();
      const p = {
        collateral: await token.getAddress(),
        unitScale: SCALE,
        decimals: 0,
        min,
        max,
        expiry: t + 86_400n,
        voidDeadline: t + 10n * 86_400n,
        source: 0,
        reporter: ethers.ZeroAddress,
        disputeWindow: 0,
      };
      const id: bigint = await core.createRoot.staticCall(p);
      await (await core.createRoot(p)).wait();
      return id;
    },
    createSub: async (rootId, parent, min, max) => {
      const id: bigint = await core.createSub.staticCall(rootId, parent, min, max);
      await (await core.createSub(rootId, parent, min, max)).wait();
      return Number(id);
    },
    fund: async (who, amount) => {
      const addr = await who.getAddress();
      await (await token.mint(addr, amount)).wait();
      await (await (token.connect(who) as Contract).approve(coreAddress, amount)).wait();
      await (await (core.connect(who) as Contract).deposit(await token.getAddress(), amount)).wait();
    },
    order: async (trader, rootId, branchId, tick, quantity, orderType = 0) => ({
      rootId,
      branchId,
      tick,
      quantity,
      orderType,
      expiry: (await now()) + 3_600n,
      nonce: 0n,
      salt: ++saltCounter,
      trader: await trader.getAddress(),
    }),
  };
  return fx;
}
