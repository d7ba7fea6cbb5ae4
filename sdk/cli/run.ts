/**
 * What every task action shares: connecting, choosing the signer, finding deployed addresses, printing a
 * result as text or JSON, and turning any failure into one line on stderr with exit code 1.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { isAddress, type Interface, type InterfaceAbi } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { decodeError } from "../errors.js";
import { CliError, parseAddress, toJsonText } from "./args.js";

export type Connection = Awaited<ReturnType<HardhatRuntimeEnvironment["network"]["getOrCreate"]>>;

/** Where output goes; tests swap it to capture what a command prints. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: Io = {
  out: (t) => process.stdout.write(t + "\n"),
  err: (t) => process.stderr.write(t + "\n"),
};
let io: Io = defaultIo;

/** Replaces the output sinks (returns the previous ones); `undefined` restores the terminal. */
export function setIo(next: Io | undefined): Io {
  const prev = io;
  io = next ?? defaultIo;
  return prev;
}

/** What a command hands back: plain data for `--json`, and lines for people. */
export interface Output {
  json: unknown;
  text: string;
}

/** The ABIs whose custom errors a family's commands decode. */
export type Abis = Array<Interface | InterfaceAbi>;

/** One line for a failure: a CliError as it is, a decoded custom error with its explanation, else the first line. */
export function describeFailure(e: unknown, abis: Abis): string {
  if (e instanceof CliError) return e.message;
  const decoded = decodeError(e, abis);
  if (decoded !== undefined) return `${decoded.name}: ${decoded.message}`;
  const rec = e as { shortMessage?: unknown; message?: unknown };
  const msg = typeof rec?.shortMessage === "string" ? rec.shortMessage : String(rec?.message ?? e);
  const first = msg.split("\n")[0];
  if (/ECONNREFUSED|fetch failed|could not detect network/i.test(msg)) {
    return `cannot reach the node (${first}): start it with "npx hardhat node" or check --network`;
  }
  return first;
}

/**
 * Wraps a command: runs `fn`, prints its output (JSON with `--json`), and on failure prints one line to
 * stderr, sets `process.exitCode = 1` and returns without throwing (so Hardhat prints no stack trace).
 */
export async function runCommand(json: boolean, abis: Abis, fn: () => Promise<Output>): Promise<Output | undefined> {
  try {
    const out = await fn();
    io.out(json ? toJsonText(out.json) : out.text);
    return out;
  } catch (e) {
    const line = describeFailure(e, abis);
    if (json) io.out(toJsonText({ error: line }));
    io.err(`error: ${line}`);
    process.exitCode = 1;
    return undefined;
  }
}

/** The connection of the network chosen with `--network` (the in-process chain by default). */
export async function connect(hre: HardhatRuntimeEnvironment): Promise<Connection> {
  return hre.network.getOrCreate();
}

/**
 * `--account`: an index into the network's accounts (0 is the first), or an address that must be one of
 * them. Returns the signer.
 */
export async function selectSigner(conn: Connection, account: string): Promise<HardhatEthersSigner> {
  const signers = await conn.ethers.getSigners();
  const v = account.trim();
  if (/^\d+$/.test(v)) {
    const i = Number(v);
    if (i >= signers.length) {
      throw new CliError(
        `--account ${v} is out of range: this network has ${signers.length} accounts (0 to ${signers.length - 1})`,
      );
    }
    return signers[i];
  }
  const addr = parseAddress(v, "--account");
  const s = signers.find((x) => x.address.toLowerCase() === addr.toLowerCase());
  if (s === undefined)
    throw new CliError(
      `--account ${addr} is not one of this network's accounts: pass an index or one of its addresses`,
    );
  return s;
}

/** `--account` for read-only commands: any address, or an index into the network's accounts. */
export async function selectAddress(conn: Connection, account: string): Promise<string> {
  if (isAddress(account.trim())) return parseAddress(account, "--account");
  return (await selectSigner(conn, account)).address;
}

/** The Ignition deployment file of a chain: `deploy/deployments/chain-<id>/deployed_addresses.json`. */
export function deploymentFile(chainId: bigint, root = process.cwd()): string {
  return path.join(root, "deploy", "deployments", `chain-${chainId}`, "deployed_addresses.json");
}

/**
 * Whether `conn` is the in-process chain, which starts empty in every process: a deployment file on disk for
 * its chain id (31337) was written by a node (`--network localhost`) and does not describe it.
 */
export function inProcess(conn: Connection): boolean {
  return conn.networkConfig.type === "edr-simulated";
}

/**
 * A deployed address: the explicit option if given, else the key (e.g. `Sessions#SessionFactory`) in the
 * chain's Ignition deployment file (never on the in-process chain: see {@link inProcess}). The error says how
 * to fix either.
 */
export async function deployedAddress(
  conn: Connection,
  explicit: string,
  key: string,
  option: string,
): Promise<string> {
  if (explicit.trim() !== "") return parseAddress(explicit, option);
  if (inProcess(conn)) {
    throw new CliError(
      `the in-process network starts empty, so no Ignition deployment describes it: pass ${option}, or use a node (--network localhost)`,
    );
  }
  const chainId = (await conn.ethers.provider.getNetwork()).chainId;
  const file = deploymentFile(chainId);
  if (!existsSync(file)) {
    throw new CliError(
      `no Ignition deployment for chain ${chainId} (${file}): deploy with "npx hardhat ignition deploy" or pass ${option}`,
    );
  }
  const book = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  const addr = book[key];
  if (addr === undefined) throw new CliError(`${file} has no "${key}": deploy that module or pass ${option}`);
  return parseAddress(addr, key);
}
