/** Readable text for the market commands (tables via textTable; outcomes and cash in human units). */
import type { PlaceResult, RootAccountView, RootInfo } from "../markets/client.js";
import { TICKS } from "../markets/typedData.js";
import { textTable } from "../report/html.js";
import { formatAmount, isoTime } from "./args.js";

export const priceText = (tick: number | undefined): string => (tick === undefined ? "-" : (tick / TICKS).toFixed(2));

export function rootText(info: RootInfo, acct?: RootAccountView): string {
  const x = (v: bigint) => formatAmount(v, info.decimals);
  const c = (v: bigint) => formatAmount(v, info.collateral.decimals);
  const payout = info.unitScale * BigInt(TICKS);
  const lines = [
    `Root ${info.rootId} of ${info.markets} (${info.source} source, outcome decimals ${info.decimals})`,
    `  status    ${info.status}; ${info.phase}`,
    `  owner     ${info.owner}` +
      (info.reporter !== "0x0000000000000000000000000000000000000000" ? `, reporter ${info.reporter}` : ""),
    `  chain now ${isoTime(info.now)}`,
    `  expiry    ${isoTime(info.expiry)}  trading stops`,
    `  void      ${isoTime(info.voidDeadline)}  unsettled roots are voided after` +
      (info.disputeWindow > 0n ? ` (dispute window ${info.disputeWindow} s)` : ""),
    `  possible  [${x(info.lo)}, ${x(info.hi)}]` + (info.status === "settled" ? `  settled at X = ${x(info.lo)}` : ""),
    ...(info.reportedAt !== 0n ? [`  reported  ${x(info.reported)} at ${isoTime(info.reportedAt)}`] : []),
    `  contract  pays up to ${c(payout)} ${info.collateral.symbol} (collateral ${info.collateral.address})`,
    "",
    textTable(
      ["branch", "min", "max", "best bid", "best offer"],
      info.branches.map((b) => [b.branchId, x(b.min), x(b.max), priceText(b.bestBid), priceText(b.bestAsk)]),
    ),
  ];
  if (acct !== undefined) {
    lines.push(
      "",
      `Account ${acct.account}: cash ${c(acct.cash)} ${info.collateral.symbol}, worst case on this root ${c(acct.worstOnRoot)}, ` +
        `on all its ${acct.roots.length} open roots ${c(acct.sumWorst)}, free ${c(acct.free)}`,
    );
    if (acct.positions.length > 0) {
      lines.push(
        textTable(
          ["branch", "market", "position"],
          acct.positions.map((p) => [p.branchId, `[${x(p.min)}, ${x(p.max)}]`, p.position]),
        ),
      );
    }
    if (acct.orders.length > 0) {
      lines.push(
        textTable(
          ["order key", "branch", "side", "price", "resting"],
          acct.orders.map((o) => [o.orderKey, o.branchId, o.side, priceText(o.tick), o.remaining]),
        ),
      );
    }
  }
  return lines.join("\n");
}

export function placeText(r: PlaceResult): string {
  const lines = [
    `${r.trader} ${r.side} ${r.quantity} @ ${priceText(r.tick)} on root ${r.rootId} branch ${r.branchId}` +
      (r.submitter !== r.trader ? ` (signed, submitted by ${r.submitter})` : "") +
      `: traded ${r.traded}, resting ${r.resting}` +
      (r.resting > 0n ? ` under order key ${r.orderKey}` : ""),
  ];
  if (r.fills.length > 0) {
    lines.push(
      textTable(
        ["maker", "price", "contracts"],
        // "-": the node no longer serves the resting order's OrderAccepted log, the only record of its maker
        r.fills.map((f) => [f.maker ?? "-", priceText(f.tick), f.quantity]),
      ),
    );
  }
  for (const d of r.reductions) lines.push(`  ${d.quantity} contracts left the book: ${d.reason}`);
  lines.push(`tx ${r.txHash} (gas ${r.gasUsed})`);
  return lines.join("\n");
}
