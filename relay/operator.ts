/**
 * The optional matching operator (off unless an operator signer is given): after each follower pass it looks
 * for crossing resting orders in each pair's book (best bid price at or above best ask price, different
 * makers) and proposes `matchOrders(ask, bid, fraction)` from the operator account. The relay only proposes:
 * the contract checks everything (signatures, expiry, nonces, fills, rates, funding), so a bad proposal
 * reverts in the simulation and is not sent.
 */
import type { Signer } from "ethers";

import { decodeError } from "../sdk/errors.js";
import { SESSION_ABIS } from "../sdk/sessions/client.js";
import { SessionCore__factory } from "../types/ethers-contracts/index.js";
import { WAD } from "./chain.js";
import { orderFromRow, type RelayCore } from "./core.js";
import type { OrderRow } from "./store.js";

export interface MatchAttempt {
  session: string;
  pair: string;
  ask: string;
  bid: string;
  fractionWad: bigint;
  /** Transaction hash when sent; the refusal's name when the simulation reverted. */
  tx?: string;
  refused?: string;
}

/** Most matches proposed per pass (each is one transaction). */
export const MAX_MATCHES_PER_PASS = 10;

/** One operator pass over the served sessions; returns what it tried. */
export async function operatorPass(core: RelayCore, operator: Signer): Promise<MatchAttempt[]> {
  const out: MatchAttempt[] = [];
  for (const ctx of core.sessions.values()) {
    const rows = await core.store.all<OrderRow>(
      `SELECT * FROM orders WHERE session = $1 AND status IN ('open', 'partial') AND pair <> ''
       AND taker = '0x0000000000000000000000000000000000000000' ORDER BY created_ms, digest LIMIT 5000`,
      [ctx.address.toLowerCase()],
    );
    const pairs = new Map<string, { bids: OrderRow[]; asks: OrderRow[] }>();
    for (const r of rows) {
      const p = pairs.get(r.pair) ?? { bids: [], asks: [] };
      (r.side === "bid" ? p.bids : p.asks).push(r);
      pairs.set(r.pair, p);
    }
    const session = SessionCore__factory.connect(ctx.address, operator);
    for (const [pair, { bids, asks }] of pairs) {
      // best first; older first at equal price (the sort is stable over created order)
      bids.sort((x, y) => cmp(BigInt(y.price_wad), BigInt(x.price_wad)));
      asks.sort((x, y) => cmp(BigInt(x.price_wad), BigInt(y.price_wad)));
      const used = new Set<string>();
      for (const ask of asks) {
        if (out.length >= MAX_MATCHES_PER_PASS) return out;
        const bid = bids.find(
          (b) => !used.has(b.digest) && b.maker !== ask.maker && BigInt(b.price_wad) >= BigInt(ask.price_wad),
        );
        if (bid === undefined) continue;
        used.add(bid.digest);
        const a = orderFromRow(ask);
        const b = orderFromRow(bid);
        let fraction = WAD - BigInt(ask.filled_wad);
        const attempt: MatchAttempt = {
          session: ctx.address,
          pair,
          ask: ask.digest,
          bid: bid.digest,
          fractionWad: fraction,
        };
        for (let tries = 0; tries < 2; tries++) {
          attempt.fractionWad = fraction;
          try {
            await session.matchOrders.staticCall(a, ask.signature, b, bid.signature, fraction);
            const tx = await session.matchOrders(a, ask.signature, b, bid.signature, fraction);
            await tx.wait();
            attempt.tx = tx.hash;
            attempt.refused = undefined;
            break;
          } catch (e) {
            const d = decodeError(e, SESSION_ABIS);
            attempt.refused = d?.name ?? String((e as Error).message).split("\n")[0];
            // the bid cannot take all of the ask: scale the ask's fraction down to what the bid has left
            if (d?.name !== "MatchExceedsOrder") break;
            const remaining = BigInt(String(d.args.remaining));
            const wanted = BigInt(String(d.args.wanted));
            fraction = (fraction * remaining) / wanted;
            if (fraction === 0n) break;
          }
        }
        out.push(attempt);
      }
    }
  }
  return out;
}

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
