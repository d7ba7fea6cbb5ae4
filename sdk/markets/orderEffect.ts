/**
 * What an order would do to its trader's collateral, before it is signed: the order is matched against the book
 * as the contract matches it (best price first, oldest first, at the resting price, the trader's own resting
 * orders cancelled on the way, MAX_TOUCH live orders at most), then the trader's worst case on the root is
 * recomputed with the mirror of ./worstCase.ts. The account's stored sum of worst cases moves by exactly
 * `worstAfter - storedWorst` (the contract recomputes only this root on `place`), so `locks` is what the order
 * takes out of the trader's free collateral on the worst-case side, in collateral units. Also the payoff of a
 * trader's positions across the outcomes (what redemption pays at each X). Pure functions; browser-safe.
 */
import { TICKS } from "./typedData.js";
import { payoffDown, rootWorst, type Leg, type OpenOrder } from "./worstCase.js";

/** The contract's limits (MarketStorage.sol). */
export const MAX_OPEN_ORDERS = 8;
export const MAX_MARKETS = 8;
export const MAX_TOUCH = 64;

/** A market's original bounds (outcome units). */
export interface MarketBounds {
  branchId: number;
  min: bigint;
  max: bigint;
}

/**
 * A trader's state on one root as the contract's snapshot sees it (maker fills not yet credited included). Its
 * `opens` are the trader's own open orders: the book does not store who placed an order, so they alone say which
 * entries of the book are the trader's (the contract's self-trade rule reads the same list).
 */
export interface TraderRootState {
  /** Effective position per branch (contracts; + long, - short); branches without a position may be left out. */
  positions: Map<number, bigint>;
  /** Resting orders: branch, tick, signed remaining (+ bid, - offer), key. */
  opens: Array<{ branchId: number; tick: number; qty: bigint; orderKey: bigint }>;
  /** Effective net premium paid into the root (collateral units). */
  premiumPaid: bigint;
  /** Cash the next action on the root credits from maker fills (collateral units). */
  pendingCash: bigint;
  /** The worst case the contract holds for this root in the account's `sumWorst` (0 when the root is not open). */
  storedWorst: bigint;
}

/**
 * One resting order in a price level, in time priority. The book holds no trader: whose an order is comes from
 * the trader's own open orders (`TraderRootState.opens`) or the order's `OrderAccepted` log.
 */
export interface BookEntry {
  orderKey: bigint;
  remaining: bigint;
}

/** A price level of one side: its tick and its live orders, oldest first. */
export interface BookLevel {
  tick: number;
  size: bigint;
  entries: BookEntry[];
}

/** An order as its trader would place it itself (the trader whose state `orderEffect` is given). */
export interface OrderIntent {
  branchId: number;
  tick: number;
  /** Signed contracts: + bid (buy), - offer (sell). */
  quantity: bigint;
  /** 0 good-till-cancel, 1 immediate-or-cancel, 2 post-only. */
  orderType: number;
}

export interface OrderEffect {
  /** Set when the contract would revert for a reason known before the collateral check. */
  refused?:
    | { name: "PostOnlyWouldCross"; tick: number; bestOpposite: number }
    | { name: "TooManyOpenOrders"; max: number }
    | { name: "TooManyMarkets"; max: number };
  /** The resting orders the order trades against, by key (the book does not name their makers). */
  fills: Array<{ orderKey: bigint; tick: number; quantity: bigint }>;
  /** Contracts traded, and the premium the trader pays for them (negative when it receives). */
  traded: bigint;
  premium: bigint;
  /** The trader's own resting orders the sweep cancels (self-trade prevention). */
  selfCancelled: Array<{ orderKey: bigint; quantity: bigint }>;
  /** Contracts left resting (good-till-cancel, post-only) and dropped (immediate-or-cancel, sweep bound). */
  rests: bigint;
  dropped: bigint;
  worstBefore: bigint;
  worstAfter: bigint;
  /** Change of the account's stored `sumWorst`: `worstAfter - storedWorst`. */
  sumWorstDelta: bigint;
  /** Collateral the order ties up on the worst-case side: `-sumWorstDelta` (negative: it releases some). */
  locks: bigint;
  /** Change of the account's cash: maker fills credited now, minus the premium paid. */
  cashDelta: bigint;
}

/**
 * The effect of `order` on its trader's root, `state` being that trader's. `opposite` is the side of the order's
 * market it would trade against, best level first (offers ascending for a bid, bids descending for an offer),
 * live orders only. An entry whose key is among `state.opens` is the trader's own and is cancelled, not filled
 * (self-trade prevention, decided as the contract decides it: by the trader's own order list). `maxLevels`
 * bounds the sweep as the trader's own submission would.
 */
export function orderEffect(args: {
  lo: bigint;
  hi: bigint;
  unitScale: bigint;
  markets: MarketBounds[];
  state: TraderRootState;
  order: OrderIntent;
  opposite: BookLevel[];
  maxLevels?: number;
}): OrderEffect {
  const { lo, hi, unitScale, markets, state, order, opposite } = args;
  const maxLevels = args.maxLevels ?? TICKS - 1;
  const isBid = order.quantity > 0n;
  const size = isBid ? order.quantity : -order.quantity;
  const own = new Set(state.opens.map((o) => o.orderKey));
  const fills: OrderEffect["fills"] = [];
  const selfCancelled: OrderEffect["selfCancelled"] = [];
  let remaining = size;
  let premiumAbs = 0n;
  let stopped = false;
  const crosses = (t: number) => (isBid ? t <= order.tick : t >= order.tick);

  if (order.orderType === 2) {
    const best = opposite[0];
    if (best !== undefined && crosses(best.tick)) {
      return refusedEffect(state, { name: "PostOnlyWouldCross", tick: order.tick, bestOpposite: best.tick });
    }
  } else {
    let touched = 0;
    let levels = 0;
    for (const lv of opposite) {
      if (remaining === 0n || !crosses(lv.tick)) break;
      if (touched >= MAX_TOUCH || levels >= maxLevels) {
        stopped = true;
        break;
      }
      levels++;
      for (const e of lv.entries) {
        if (remaining === 0n) break;
        if (e.remaining === 0n) continue; // a dead entry costs no touch
        if (touched >= MAX_TOUCH) break;
        touched++;
        if (own.has(e.orderKey)) {
          selfCancelled.push({ orderKey: e.orderKey, quantity: e.remaining });
          continue;
        }
        const f = e.remaining < remaining ? e.remaining : remaining;
        remaining -= f;
        premiumAbs += f * BigInt(lv.tick) * unitScale;
        fills.push({ orderKey: e.orderKey, tick: lv.tick, quantity: f });
      }
    }
    // the contract's loop checks MAX_TOUCH again before the next crossing level
    if (!stopped && remaining > 0n && touched >= MAX_TOUCH) {
      const next = opposite.find((l) => crosses(l.tick) && l.entries.some((e) => e.remaining > 0n));
      if (next !== undefined) stopped = true;
    }
  }
  const traded = size - remaining;
  const rests = remaining > 0n && order.orderType !== 1 && !stopped ? remaining : 0n;
  const dropped = remaining - rests;
  const premium = isBid ? premiumAbs : -premiumAbs;

  // the snapshot after the order: own crossed orders gone, the trade and the resting remainder added
  const cancelledKeys = new Set(selfCancelled.map((s) => s.orderKey));
  const opens = state.opens.filter((o) => !cancelledKeys.has(o.orderKey));
  const positions = new Map(state.positions);
  const kept = new Set<number>();
  for (const [b, p] of positions) if (p !== 0n) kept.add(b);
  for (const o of opens) kept.add(o.branchId);
  if (traded > 0n || rests > 0n) {
    if (!kept.has(order.branchId) && kept.size >= MAX_MARKETS)
      return refusedEffect(state, { name: "TooManyMarkets", max: MAX_MARKETS });
    positions.set(order.branchId, (positions.get(order.branchId) ?? 0n) + (isBid ? traded : -traded));
    kept.add(order.branchId);
  }
  const newOpens = [...opens];
  if (rests > 0n) {
    if (newOpens.length >= MAX_OPEN_ORDERS)
      return refusedEffect(state, { name: "TooManyOpenOrders", max: MAX_OPEN_ORDERS });
    newOpens.push({ branchId: order.branchId, tick: order.tick, qty: isBid ? rests : -rests, orderKey: -1n });
  }
  const worstAfter = worstOf(lo, hi, unitScale, markets, positions, newOpens, state.premiumPaid + premium);
  const worstBefore = worstOf(lo, hi, unitScale, markets, state.positions, state.opens, state.premiumPaid);
  const sumWorstDelta = worstAfter - state.storedWorst;
  return {
    fills,
    traded,
    premium,
    selfCancelled,
    rests,
    dropped,
    worstBefore,
    worstAfter,
    sumWorstDelta,
    locks: -sumWorstDelta,
    cashDelta: state.pendingCash - premium,
  };
}

function refusedEffect(state: TraderRootState, refused: NonNullable<OrderEffect["refused"]>): OrderEffect {
  return {
    refused,
    fills: [],
    traded: 0n,
    premium: 0n,
    selfCancelled: [],
    rests: 0n,
    dropped: 0n,
    worstBefore: state.storedWorst,
    worstAfter: state.storedWorst,
    sumWorstDelta: 0n,
    locks: 0n,
    cashDelta: 0n,
  };
}

/** The trader's worst case on an open root from positions, resting orders and premium (the contract's `_worstOf`). */
export function worstOf(
  lo: bigint,
  hi: bigint,
  unitScale: bigint,
  markets: MarketBounds[],
  positions: Map<number, bigint>,
  opens: Array<{ branchId: number; tick: number; qty: bigint }>,
  premiumPaid: bigint,
): bigint {
  const branchIds = [...new Set<number>([...positions.keys(), ...opens.map((o) => o.branchId)])];
  const legs: Leg[] = branchIds.map((b) => {
    const m = markets.find((x) => x.branchId === b);
    if (m === undefined) throw new Error(`unknown branch ${b}`);
    return { min: m.min, max: m.max, pos: positions.get(b) ?? 0n };
  });
  const os: OpenOrder[] = opens.map((o) => ({ leg: branchIds.indexOf(o.branchId), tick: BigInt(o.tick), qty: o.qty }));
  return rootWorst(lo, hi, legs, os, unitScale, premiumPaid);
}

/** One point of a payoff curve: outcome X (outcome units) and value (collateral units). */
export interface PayoffPoint {
  x: bigint;
  /** What redemption pays the positions at X: sum of pos * floor(UNIT * payoff(X)). */
  payout: bigint;
  /** The payout minus the net premium paid into the root: the trader's profit or loss at X. */
  pnl: bigint;
}

/**
 * The trader's payoff across [from, to] at every kink (the range ends and each held market's bounds inside it):
 * the curve is linear between consecutive points (up to the rounding of each payout down to a unit).
 */
export function payoffCurve(args: {
  from: bigint;
  to: bigint;
  unitScale: bigint;
  markets: MarketBounds[];
  positions: Map<number, bigint>;
  premiumPaid: bigint;
}): PayoffPoint[] {
  const { from, to, unitScale, markets, positions, premiumPaid } = args;
  const held = markets.filter((m) => (positions.get(m.branchId) ?? 0n) !== 0n);
  const xs = new Set<bigint>([from, to]);
  for (const m of held) for (const x of [m.min, m.max]) if (x > from && x < to) xs.add(x);
  return [...xs]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((x) => {
      const payout = payoutAt(x, unitScale, held, positions);
      return { x, payout, pnl: payout - premiumPaid };
    });
}

/** What redemption pays a trader's positions at outcome `x` (collateral units). */
export function payoutAt(
  x: bigint,
  unitScale: bigint,
  markets: MarketBounds[],
  positions: Map<number, bigint>,
): bigint {
  const unit = BigInt(TICKS) * unitScale;
  let v = 0n;
  for (const m of markets) {
    const p = positions.get(m.branchId) ?? 0n;
    if (p !== 0n) v += p * payoffDown(x, m.min, m.max, unit);
  }
  return v;
}
