/**
 * Real Safe 1.4.1 wallets for the tests, deployed from the compiled artifacts shipped in the npm package
 * `@safe-global/safe-contracts` (never recompiled): the singleton, the proxy factory, the
 * CompatibilityFallbackHandler (ERC-1271) and SignMessageLib (on-chain message approval). A Safe here is a proxy
 * set up with the handler, like the Safe app deploys them.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import { Contract, ContractFactory, Interface, ZeroAddress, type InterfaceAbi, type Signer } from "ethers";

import { execSafeTransaction, safeCall, SAFE_ABI } from "../../sdk/safe.js";

const require = createRequire(import.meta.url);

interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

/** The compiled artifact `contracts/<path>.sol/<name>.json` of the package. */
export function safeArtifact(path: string, name: string): Artifact {
  const file = require.resolve(`@safe-global/safe-contracts/build/artifacts/contracts/${path}.sol/${name}.json`);
  const a = JSON.parse(readFileSync(file, "utf8")) as { abi: Artifact["abi"]; bytecode: string };
  return { abi: a.abi, bytecode: a.bytecode };
}

/** Addresses of the Safe contracts on the test chain. */
export interface SafeInfra {
  singleton: string;
  factory: string;
  handler: string;
  signMessageLib: string;
}

async function deploy(deployer: Signer, path: string, name: string): Promise<string> {
  const a = safeArtifact(path, name);
  const c = await new ContractFactory(a.abi, a.bytecode, deployer).deploy();
  await c.waitForDeployment();
  return c.getAddress();
}

/** Deploys the singleton, the proxy factory, the fallback handler and SignMessageLib. */
export async function deploySafeInfra(deployer: Signer): Promise<SafeInfra> {
  return {
    singleton: await deploy(deployer, "Safe", "Safe"),
    factory: await deploy(deployer, "proxies/SafeProxyFactory", "SafeProxyFactory"),
    handler: await deploy(deployer, "handler/CompatibilityFallbackHandler", "CompatibilityFallbackHandler"),
    signMessageLib: await deploy(deployer, "libraries/SignMessageLib", "SignMessageLib"),
  };
}

let saltNonce = 0n;

/**
 * Creates a Safe proxy with `owners` and `threshold`, the CompatibilityFallbackHandler as fallback handler
 * (`fallbackHandler = null` leaves it unset: a Safe without ERC-1271). Returns the Safe with the full Safe ABI.
 */
export async function createSafe(
  infra: SafeInfra,
  deployer: Signer,
  owners: ReadonlyArray<Signer>,
  threshold: number,
  fallbackHandler: string | null = infra.handler,
): Promise<Contract> {
  const safeAbi = safeArtifact("Safe", "Safe").abi;
  const setup = new Interface(safeAbi).encodeFunctionData("setup", [
    await Promise.all(owners.map((o) => o.getAddress())),
    threshold,
    ZeroAddress,
    "0x",
    fallbackHandler ?? ZeroAddress,
    ZeroAddress,
    0,
    ZeroAddress,
  ]);
  const f = new Contract(infra.factory, safeArtifact("proxies/SafeProxyFactory", "SafeProxyFactory").abi, deployer);
  const nonce = ++saltNonce;
  const proxy = (await f.createProxyWithNonce.staticCall(infra.singleton, setup, nonce)) as string;
  await (await f.createProxyWithNonce(infra.singleton, setup, nonce)).wait();
  return new Contract(proxy, safeAbi, deployer);
}

/** Sends a plain call `to.data` from the Safe, signed by `owners` (threshold many); returns the gas used. */
export async function safeExec(owners: ReadonlyArray<Signer>, safe: string, to: string, data: string) {
  return execSafeTransaction(owners, safe, safeCall(to, data));
}

/** From the Safe: `token.approve(spender, amount)`. */
export async function safeApprove(
  owners: ReadonlyArray<Signer>,
  safe: string,
  token: string,
  spender: string,
  amount: bigint,
) {
  const data = new Interface(["function approve(address,uint256) returns (bool)"]).encodeFunctionData("approve", [
    spender,
    amount,
  ]);
  return safeExec(owners, safe, token, data);
}

export { SAFE_ABI };
