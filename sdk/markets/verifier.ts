/**
 * Off-chain verifier of a root's append-only record: replays its events, recomputes the hash chain
 * (`head = keccak256(abi.encode(head, record...))`), re-checks every order's EIP-712 digest and signature
 * (EOA or ERC-1271), rebuilds the book and the positions, and compares all of it with the contract.
 */
import {
  AbiCoder,
  Contract,
  ZeroHash,
  getAddress,
  keccak256,
  type Log,
  type Provider,
  type TypedDataDomain,
} from "ethers";

import { ecdsaSignsFor, recoverLikeContract } from "../signatures.js";
import { marketsInterface } from "./abi.js";
import { orderDigest, type MarketOrder } from "./typedData.js";

const coder = AbiCoder.defaultAbiCoder();

/** Kinds of record as the contract numbers them in the chain. */
export const RecordKind = { Accept: 1, Fill: 2, Reduce: 3, Bounds: 4, Final: 5 } as const;

export type ChainRecord =
  | {
      kind: "accept";
      digest: string;
      trader: string;
      orderKey: bigint;
      order: MarketOrder;
      signature: string;
      submitter: string;
      head: string;
      blockNumber: number;
    }
  | {
      kind: "fill";
      makerKey: bigint;
      takerDigest: string;
      /** The maker's market and price, read from `makerKey` (the event does not repeat them). */
      branchId: number;
      tick: number;
      quantity: bigint;
      head: string;
      blockNumber: number;
    }
  | {
      kind: "reduce";
      orderKey: bigint;
      digest: string;
      trader: string;
      quantity: bigint;
      reason: number;
      head: string;
      blockNumber: number;
    }
  | {
      kind: "bounds";
      branchId: number;
      newMin: bigint;
      newMax: bigint;
      lo: bigint;
      hi: bigint;
      head: string;
      blockNumber: number;
    }
  | { kind: "settled"; x: bigint; head: string; blockNumber: number }
  | { kind: "voided"; head: string; blockNumber: number }
  | { kind: "redeemed"; trader: string; payout: bigint; blockNumber: number };

/** What the replay needs from the chain besides the records. */
export interface VerifyContext {
  rootId: bigint;
  domain: TypedDataDomain;
  /** True when `address` holds code at `blockNumber` (an ERC-1271 wallet). */
  isContract(address: string, blockNumber: number): Promise<boolean>;
  /**
   * ERC-1271 `isValidSignature(digest, signature)` of `wallet`, asked in the state at the end of block
   * `blockNumber` (the record's block, not the latest: a wallet may revoke an approval later, and an order it
   * approved when it was placed stays validly placed). A revert or any other answer than the magic value is false.
   */
  isValidSignature1271(wallet: string, digest: string, signature: string, blockNumber: number): Promise<boolean>;
}

/** A rebuilt resting order. */
export interface RestingOrder {
  trader: string;
  digest: string;
  branchId: number;
  tick: number;
  isBid: boolean;
  remaining: bigint;
}

/** The result of a replay. */
export interface Replay {
  /** Every inconsistency found, in plain words; empty when the record verifies. */
  problems: string[];
  /** The head after the last record. */
  head: string;
  /** Records that append to the chain. */
  records: number;
  /** Positions by trader (checksummed) and branch, maker fills included. */
  positions: Map<string, Map<number, bigint>>;
  /** The resting book by order key. */
  resting: Map<bigint, RestingOrder>;
  /** Traders who redeemed (their on-chain positions are cleared). */
  redeemed: Set<string>;
}

const EVENT_NAMES = [
  "OrderAccepted",
  "OrderFilled",
  "OrderReduced",
  "BoundsPosted",
  "RootSettled",
  "RootVoided",
  "Redeemed",
];

/** Fetches and decodes a root's records, in chain order. */
export async function fetchRootRecords(
  provider: Provider,
  core: string,
  rootId: bigint,
  fromBlock = 0,
): Promise<ChainRecord[]> {
  const topics0 = EVENT_NAMES.map((n) => marketsInterface.getEvent(n)!.topicHash);
  const rootTopic = coder.encode(["uint256"], [rootId]);
  const logs = await provider.getLogs({ address: core, fromBlock, toBlock: "latest", topics: [topics0, rootTopic] });
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  return logs.map(decodeLog);
}

/** Decodes one log of a root's record. */
export function decodeLog(log: Log): ChainRecord {
  const parsed = marketsInterface.parseLog({ topics: [...log.topics], data: log.data });
  if (parsed === null) throw new Error(`verifier: log ${log.index} in block ${log.blockNumber} is not a markets event`);
  const a = parsed.args;
  const blockNumber = log.blockNumber;
  switch (parsed.name) {
    case "OrderAccepted": {
      // The signed order: its root, market and price from the key, its trader from the topic, the rest as is.
      const k = splitOrderKey(a.orderKey);
      return {
        kind: "accept",
        digest: a.digest,
        trader: getAddress(a.trader),
        orderKey: a.orderKey,
        order: {
          rootId: k.rootId,
          branchId: k.branchId,
          tick: k.tick,
          quantity: a.quantity,
          orderType: Number(a.orderType),
          expiry: a.expiry,
          nonce: a.nonce,
          salt: a.salt,
          trader: getAddress(a.trader),
        },
        signature: a.signature,
        submitter: getAddress(a.submitter),
        head: a.head,
        blockNumber,
      };
    }
    case "OrderFilled": {
      // The maker, the taker and the side are the two orders' (their acceptance records); the replay joins them.
      const k = splitOrderKey(a.makerKey);
      return {
        kind: "fill",
        makerKey: a.makerKey,
        takerDigest: a.takerDigest,
        branchId: k.branchId,
        tick: k.tick,
        quantity: a.quantity,
        head: a.head,
        blockNumber,
      };
    }
    case "OrderReduced":
      return {
        kind: "reduce",
        orderKey: a.orderKey,
        digest: a.digest,
        trader: getAddress(a.trader),
        quantity: a.quantity,
        reason: Number(a.reason),
        head: a.head,
        blockNumber,
      };
    case "BoundsPosted":
      return {
        kind: "bounds",
        branchId: Number(a.branchId),
        newMin: a.newMin,
        newMax: a.newMax,
        lo: a.lo,
        hi: a.hi,
        head: a.head,
        blockNumber,
      };
    case "RootSettled":
      return { kind: "settled", x: a.x, head: a.head, blockNumber };
    case "RootVoided":
      return { kind: "voided", head: a.head, blockNumber };
    case "Redeemed":
      return { kind: "redeemed", trader: getAddress(a.trader), payout: a.payout, blockNumber };
    default:
      throw new Error(`verifier: unexpected event ${parsed.name}`);
  }
}

/** The chain record a decoded event appends (the bytes hashed with the previous head). */
export function recordHash(prev: string, r: Exclude<ChainRecord, { kind: "redeemed" }>): string {
  switch (r.kind) {
    case "accept":
      return keccak256(
        coder.encode(["bytes32", "uint8", "bytes32", "uint256"], [prev, RecordKind.Accept, r.digest, r.orderKey]),
      );
    case "fill":
      return keccak256(
        coder.encode(
          ["bytes32", "uint8", "uint256", "bytes32", "uint256", "uint256"],
          [prev, RecordKind.Fill, r.makerKey, r.takerDigest, r.tick, r.quantity],
        ),
      );
    case "reduce":
      return keccak256(
        coder.encode(
          ["bytes32", "uint8", "uint256", "bytes32", "uint256", "uint8"],
          [prev, RecordKind.Reduce, r.orderKey, r.digest, r.quantity, r.reason],
        ),
      );
    case "bounds":
      return keccak256(
        coder.encode(
          ["bytes32", "uint8", "uint16", "int128", "int128", "int128", "int128"],
          [prev, RecordKind.Bounds, r.branchId, r.newMin, r.newMax, r.lo, r.hi],
        ),
      );
    case "settled":
      return keccak256(coder.encode(["bytes32", "uint8", "uint8", "int256"], [prev, RecordKind.Final, 1, r.x]));
    case "voided":
      return keccak256(coder.encode(["bytes32", "uint8", "uint8", "int256"], [prev, RecordKind.Final, 2, 0]));
  }
}

/** Splits an order key into its parts: rootId << 56 | branch << 40 | tick << 32 | index. */
export function splitOrderKey(key: bigint): { rootId: bigint; branchId: number; tick: number; index: number } {
  return {
    rootId: key >> 56n,
    branchId: Number((key >> 40n) & 0xffffn),
    tick: Number((key >> 32n) & 0xffn),
    index: Number(key & 0xffffffffn),
  };
}

interface Incoming {
  digest: string;
  trader: string;
  order: MarketOrder;
  orderKey: bigint;
  remaining: bigint;
  dropped: boolean;
}

/** Replays records: chain, digests, signatures, book and positions. Never throws on bad data: it reports. */
export async function replayRecords(records: ChainRecord[], ctx: VerifyContext): Promise<Replay> {
  const problems: string[] = [];
  const positions = new Map<string, Map<number, bigint>>();
  const resting = new Map<bigint, RestingOrder>();
  const redeemed = new Set<string>();
  /** Record index of each accepted (trader, salt): the contract keeps one fill record per pair, so one entry. */
  const acceptedSalts = new Map<string, number>();
  let head = ZeroHash;
  let count = 0;
  let final = false;
  let incoming: Incoming | undefined;

  const move = (trader: string, branch: number, q: bigint) => {
    const m = positions.get(trader) ?? new Map<number, bigint>();
    m.set(branch, (m.get(branch) ?? 0n) + q);
    positions.set(trader, m);
  };
  const closeIncoming = () => {
    if (incoming === undefined) return;
    if (incoming.remaining > 0n && !incoming.dropped && incoming.order.orderType !== 1) {
      const k = splitOrderKey(incoming.orderKey);
      resting.set(incoming.orderKey, {
        trader: incoming.trader,
        digest: incoming.digest,
        branchId: k.branchId,
        tick: k.tick,
        isBid: incoming.order.quantity > 0n,
        remaining: incoming.remaining,
      });
    }
    incoming = undefined;
  };

  for (const [i, r] of records.entries()) {
    const where = `record ${i} (${r.kind}, block ${r.blockNumber})`;
    if (r.kind === "redeemed") {
      redeemed.add(r.trader);
      continue;
    }
    const expected = recordHash(head, r);
    if (expected !== r.head) problems.push(`${where}: chain head ${r.head} but the record hashes to ${expected}`);
    head = r.head;
    count++;
    // Fills, self-trade cancels and the drop of the remainder belong to the order being matched; an
    // acceptance, a trader's cancel, a bound post or the end of the root closes it (its remainder rests).
    if (
      r.kind === "accept" ||
      r.kind === "bounds" ||
      r.kind === "settled" ||
      r.kind === "voided" ||
      (r.kind === "reduce" && r.reason === 0)
    ) {
      closeIncoming();
    }
    switch (r.kind) {
      case "accept": {
        if (final) problems.push(`${where}: order accepted after the root was final`);
        const o = r.order;
        if (o.rootId !== ctx.rootId) problems.push(`${where}: order names root ${o.rootId}`);
        if (getAddress(o.trader) !== r.trader)
          problems.push(`${where}: event trader ${r.trader} differs from the order's ${o.trader}`);
        // (An order read from the event takes its root, market and tick from the key, so the digest check below
        // also proves the key names the signed market and price.)
        const digest = orderDigest(ctx.domain, o);
        if (digest !== r.digest) problems.push(`${where}: digest ${r.digest} but the order hashes to ${digest}`);
        const saltKey = `${getAddress(o.trader)}:${o.salt}`;
        const firstAt = acceptedSalts.get(saltKey);
        if (firstAt !== undefined)
          problems.push(`${where}: salt ${o.salt} of trader ${o.trader} was already accepted in record ${firstAt}`);
        else acceptedSalts.set(saltKey, i);
        const k = splitOrderKey(r.orderKey);
        if (k.rootId !== o.rootId || k.branchId !== o.branchId || k.tick !== o.tick) {
          problems.push(`${where}: order key ${r.orderKey} does not name the order's market and tick`);
        }
        // The contract's rule (OrderSigning._verifyOrder): a trader submitting its own order needs no signature;
        // anyone else's submission needs one that verifies for the trader: ECDSA first (exactly as the contract
        // recovers, sdk/signatures.ts), else ERC-1271 when the trader has code, where an empty signature is valid
        // when the wallet says so (a Safe that approved the digest on chain through SignMessageLib).
        if (r.submitter === r.trader) {
          // nothing to check: the contract ignores the signature of a trader acting for itself
        } else if (ecdsaSignsFor(digest, r.signature, r.trader)) {
          // ECDSA first, as the contract: a key's signature needs no wallet
        } else if (await ctx.isContract(r.trader, r.blockNumber)) {
          if (!(await ctx.isValidSignature1271(r.trader, digest, r.signature, r.blockNumber))) {
            problems.push(
              r.signature === "0x"
                ? `${where}: unsigned order submitted by ${r.submitter}, and wallet ${r.trader} does not approve its digest (ERC-1271)`
                : `${where}: ERC-1271 wallet ${r.trader} does not accept the signature`,
            );
          }
        } else if (r.signature === "0x") {
          problems.push(`${where}: unsigned order submitted by ${r.submitter}, not its trader`);
        } else {
          const signer = recoverLikeContract(digest, r.signature) ?? "(unrecoverable as the contract recovers)";
          problems.push(`${where}: signature recovers ${signer}, not the trader ${r.trader}`);
        }
        const q = o.quantity < 0n ? -o.quantity : o.quantity;
        incoming = { digest: r.digest, trader: r.trader, order: o, orderKey: r.orderKey, remaining: q, dropped: false };
        break;
      }
      case "fill": {
        const maker = resting.get(r.makerKey);
        if (incoming === undefined || incoming.digest !== r.takerDigest) {
          problems.push(`${where}: fill for taker ${r.takerDigest}, which is not the order being matched`);
          break;
        }
        if (maker === undefined) {
          problems.push(`${where}: fill against ${r.makerKey}, which is not resting`);
          break;
        }
        const takerIsBid = incoming.order.quantity > 0n;
        if (maker.isBid === takerIsBid) problems.push(`${where}: both sides on one side of the book`);
        if (maker.branchId !== incoming.order.branchId)
          problems.push(
            `${where}: the resting order is on market ${maker.branchId}, the taker's on ${incoming.order.branchId}`,
          );
        if (takerIsBid ? r.tick > incoming.order.tick : r.tick < incoming.order.tick) {
          problems.push(`${where}: price ${r.tick} is worse than the taker's limit ${incoming.order.tick}`);
        }
        if (r.quantity <= 0n || r.quantity > maker.remaining || r.quantity > incoming.remaining) {
          problems.push(
            `${where}: fill of ${r.quantity} exceeds what rests (${maker.remaining}) or what is incoming (${incoming.remaining})`,
          );
        }
        maker.remaining -= r.quantity;
        incoming.remaining -= r.quantity;
        if (maker.remaining <= 0n) resting.delete(r.makerKey);
        move(incoming.trader, maker.branchId, takerIsBid ? r.quantity : -r.quantity);
        move(maker.trader, maker.branchId, takerIsBid ? -r.quantity : r.quantity);
        break;
      }
      case "reduce": {
        if (r.orderKey !== 0n) {
          const ro = resting.get(r.orderKey);
          if (ro === undefined) problems.push(`${where}: reduction of ${r.orderKey}, which is not resting`);
          else {
            if (ro.remaining !== r.quantity)
              problems.push(`${where}: reduced ${r.quantity} but ${ro.remaining} rested`);
            if (ro.trader !== r.trader)
              problems.push(`${where}: reduction names ${r.trader}, the order is ${ro.trader}'s`);
            resting.delete(r.orderKey);
          }
        } else if (incoming !== undefined && incoming.digest === r.digest) {
          if (incoming.remaining !== r.quantity)
            problems.push(`${where}: dropped ${r.quantity} but ${incoming.remaining} was left`);
          incoming.dropped = true;
        } else {
          problems.push(`${where}: reduction names neither a resting order nor the incoming one`);
        }
        break;
      }
      case "bounds":
        if (final) problems.push(`${where}: bounds posted after the root was final`);
        if (r.lo > r.hi) problems.push(`${where}: empty possible range [${r.lo}, ${r.hi}]`);
        break;
      case "settled":
      case "voided":
        if (final) problems.push(`${where}: root finalised twice`);
        final = true;
        break;
    }
  }
  closeIncoming();
  return { problems, head, records: count, positions, resting, redeemed };
}

/** The replay context for a root of the contract at `core`, reading code and ERC-1271 answers from `provider`. */
export async function contextFor(provider: Provider, core: string, rootId: bigint): Promise<VerifyContext> {
  const network = await provider.getNetwork();
  return {
    rootId,
    domain: { name: "Ringfence BoundedMarkets", version: "1", chainId: network.chainId, verifyingContract: core },
    isContract: async (address, blockNumber) => (await provider.getCode(address, blockNumber)) !== "0x",
    isValidSignature1271: async (wallet, digest, signature, blockNumber) => {
      const w = new Contract(wallet, ["function isValidSignature(bytes32,bytes) view returns (bytes4)"], provider);
      try {
        const magic: string = await w.isValidSignature(digest, signature, { blockTag: blockNumber });
        return magic === "0x1626ba7e";
      } catch {
        return false;
      }
    },
  };
}

/** The full check of a root against the contract: replay, then head, positions and book compared on-chain. */
export async function verifyRoot(provider: Provider, core: string, rootId: bigint, fromBlock = 0): Promise<Replay> {
  const records = await fetchRootRecords(provider, core, rootId, fromBlock);
  return verifyRecords(provider, core, rootId, records);
}

/** Replays given records (e.g. from an indexer) and compares the result with the contract. */
export async function verifyRecords(
  provider: Provider,
  core: string,
  rootId: bigint,
  records: ChainRecord[],
): Promise<Replay> {
  const replay = await replayRecords(records, await contextFor(provider, core, rootId));
  await compareWithContract(replay, new Contract(core, marketsInterface, provider), rootId);
  return replay;
}

/** Compares a replay's head, positions and resting book with the contract's state. */
export async function compareWithContract(replay: Replay, contract: Contract, rootId: bigint): Promise<void> {
  const root = await contract.root(rootId);
  if (root.head !== replay.head)
    replay.problems.push(`contract head ${root.head} differs from the replayed head ${replay.head}`);
  for (const [trader, byBranch] of replay.positions) {
    if (replay.redeemed.has(trader)) continue;
    for (const [branch, pos] of byBranch) {
      const onChain: bigint = await contract.positionOf(trader, rootId, branch);
      if (onChain !== pos)
        replay.problems.push(`position of ${trader} on branch ${branch}: contract ${onChain}, replay ${pos}`);
    }
  }
  for (const [key, ro] of replay.resting) {
    const [remaining] = (await contract.restingOrder(key)) as [bigint, bigint];
    if (root.status === 0n && remaining !== ro.remaining) {
      replay.problems.push(`resting order ${key}: contract has ${remaining}, replay ${ro.remaining}`);
    }
  }
}
