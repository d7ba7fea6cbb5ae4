/**
 * The projection from a session's events to its positions over time: x_i(t) per account and leg, rebuilt
 * from `Subscribed`, `Redeemed` and `Traded` alone (plus each session's static units and fee recipient),
 * and the order flow (every `Traded`, with the `Matched` that crossed it). The rebuilt final positions
 * equal `allocationOf` on chain (tested in test/cli/positions.ts).
 *
 * Units: physical sessions in leg token units; cash sessions in WAD instrument units (baseline shares*u
 * plus the deviation the trades moved). Physical fees are allocation moved to the fee recipient, so its
 * change per traded leg is -(maker delta + taker delta); cash fees move collateral, not allocation.
 * Margin sessions (physical legs that may go negative) add two events: `Liquidated` moves the account's whole
 * vector to the liquidator except the compensation it keeps in the cash leg, and `DividendAccrued` with a
 * debit takes that much of the cash leg from a short.
 */
export interface SessionMeta {
  address: string;
  kind: "physical" | "cash" | "margin";
  /** u_k per leg (leg units per share). */
  units: bigint[];
  feeRecipient: string;
  /** Margin sessions: the cash leg (liquidation compensation and dividend debits). */
  cashLeg?: number;
}

/** An event as read back from the data set (addresses lower-case, numbers as decimal strings). */
export interface StoredEvent {
  blockNumber: bigint;
  blockTime: bigint;
  txHash: string;
  logIndex: bigint;
  address: string;
  name: string;
  args: Record<string, unknown>;
}

export interface PositionPoint {
  session: string;
  account: string;
  blockNumber: bigint;
  blockTime: bigint;
  logIndex: bigint;
  txHash: string;
  /** The event that moved this account. */
  event: string;
  /** x_i after the event, per leg. */
  x: bigint[];
}

export interface OrderFlowRow {
  session: string;
  blockNumber: bigint;
  blockTime: bigint;
  txHash: string;
  logIndex: bigint;
  digest: string;
  maker: string;
  taker: string;
  /** Digest of the order crossed against this one (matches only), else "". */
  matchedWith: string;
  filledAfterWad: bigint;
  legs: number[];
  makerDeltas: bigint[];
  takerDeltas: bigint[];
  makerFeeCollateral: bigint;
  takerFeeCollateral: bigint;
}

const B = (v: unknown): bigint => BigInt(String(v));
const list = (v: unknown): bigint[] => (Array.isArray(v) ? v.map(B) : []);

function legsOf(mask: bigint, n: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < n; k++) if (((mask >> BigInt(k)) & 1n) === 1n) out.push(k);
  return out;
}

/** Rebuilds every account's x_i(t) in every session, in chain order. */
export function rebuildPositions(
  events: StoredEvent[],
  metas: SessionMeta[],
): { trajectory: PositionPoint[]; final: Map<string, Map<string, bigint[]>> } {
  const metaOf = new Map(metas.map((m) => [m.address.toLowerCase(), m]));
  const final = new Map<string, Map<string, bigint[]>>();
  const trajectory: PositionPoint[] = [];
  const sorted = [...events].sort((a, b) =>
    a.blockNumber === b.blockNumber ? Number(a.logIndex - b.logIndex) : a.blockNumber < b.blockNumber ? -1 : 1,
  );
  for (const e of sorted) {
    const meta = metaOf.get(e.address.toLowerCase());
    if (meta === undefined) continue;
    let book = final.get(meta.address.toLowerCase());
    if (book === undefined) {
      book = new Map();
      final.set(meta.address.toLowerCase(), book);
    }
    const n = meta.units.length;
    const moved: Array<[string, bigint[]]> = [];
    const at = (who: string) => {
      const k = who.toLowerCase();
      let x = (book as Map<string, bigint[]>).get(k);
      if (x === undefined) {
        x = new Array<bigint>(n).fill(0n);
        (book as Map<string, bigint[]>).set(k, x);
      }
      return x;
    };
    if (e.name === "Subscribed" || e.name === "Redeemed") {
      const sign = e.name === "Subscribed" ? 1n : -1n;
      const who = String(e.args.account);
      const x = at(who);
      const shares = B(e.args.shares);
      const amounts = list(e.args.amounts);
      for (let k = 0; k < n; k++) x[k] += sign * (meta.kind !== "cash" ? amounts[k] : shares * meta.units[k]);
      moved.push([who, x]);
    } else if (e.name === "Traded") {
      const legs = legsOf(B(e.args.legs), n);
      const md = list(e.args.makerDeltas);
      const td = list(e.args.takerDeltas);
      const maker = String(e.args.maker);
      const taker = String(e.args.taker);
      const xm = at(maker);
      const xt = at(taker);
      legs.forEach((k, i) => {
        xm[k] += md[i];
        xt[k] += td[i];
      });
      moved.push([maker, xm], [taker, xt]);
      if (meta.kind !== "cash") {
        const xf = at(meta.feeRecipient);
        legs.forEach((k, i) => {
          xf[k] -= md[i] + td[i];
        });
        moved.push([meta.feeRecipient, xf]);
      }
    } else if (e.name === "Liquidated") {
      const who = String(e.args.account);
      const by = String(e.args.liquidator);
      const xa = at(who);
      const xl = at(by);
      const j = meta.cashLeg ?? 0;
      for (let k = 0; k < n; k++) {
        const v = k === j ? xa[k] - B(e.args.compensation) : xa[k];
        xa[k] -= v;
        xl[k] += v;
      }
      moved.push([who, xa], [by, xl]);
    } else if (e.name === "DividendAccrued" && B(e.args.debit) > 0n) {
      const who = String(e.args.account);
      const x = at(who);
      x[meta.cashLeg ?? 0] -= B(e.args.debit);
      moved.push([who, x]);
    } else {
      continue;
    }
    for (const [who, x] of moved) {
      trajectory.push({
        session: meta.address.toLowerCase(),
        account: who.toLowerCase(),
        blockNumber: e.blockNumber,
        blockTime: e.blockTime,
        logIndex: e.logIndex,
        txHash: e.txHash,
        event: e.name,
        x: [...x],
      });
    }
  }
  return { trajectory, final };
}

/** Every trade in chain order, with the order it was matched against (if any). */
export function orderFlow(events: StoredEvent[], legCount: (session: string) => number): OrderFlowRow[] {
  const matched = new Map<string, string>();
  for (const e of events) {
    if (e.name === "Matched") matched.set(`${e.txHash}:${String(e.args.digestA)}`, String(e.args.digestB));
  }
  return events
    .filter((e) => e.name === "Traded")
    .map((e) => ({
      session: e.address,
      blockNumber: e.blockNumber,
      blockTime: e.blockTime,
      txHash: e.txHash,
      logIndex: e.logIndex,
      digest: String(e.args.digest),
      maker: String(e.args.maker),
      taker: String(e.args.taker),
      matchedWith: matched.get(`${e.txHash}:${String(e.args.digest)}`) ?? "",
      filledAfterWad: B(e.args.filledAfterWad),
      legs: legsOf(B(e.args.legs), legCount(e.address)),
      makerDeltas: list(e.args.makerDeltas),
      takerDeltas: list(e.args.takerDeltas),
      makerFeeCollateral: B(e.args.makerFeeCollateral),
      takerFeeCollateral: B(e.args.takerFeeCollateral),
    }));
}
