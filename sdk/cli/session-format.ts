/** Readable text for the session commands (tables via textTable, amounts in human units). */
import { textTable } from "../report/html.js";
import type { AccountInfo, FillResult, SessionInfo, SessionSummary } from "../sessions/client.js";
import { formatAmount, isoTime } from "./args.js";
import type { MarginSessionReport } from "./margin.js";

const price = (v: bigint | undefined): string => (v === undefined || v === 0n ? "-" : formatAmount(v, 18));

export function sessionListText(rows: SessionSummary[]): string {
  if (rows.length === 0) return "No sessions yet: create one with `npx hardhat session create --file <file>`.";
  return textTable(
    ["#", "session", "kind", "legs", "status", "phase", "t1", "t2", "shares"],
    rows.map((r) => [
      r.index,
      r.address,
      r.kind,
      r.legs,
      r.status,
      r.phase,
      isoTime(r.t1),
      isoTime(r.t2),
      r.totalShares,
    ]),
  );
}

/** `session show`: the session, its legs and (given) an account; a margin session adds its margin overview. */
export function sessionText(info: SessionInfo, acct?: AccountInfo, margin?: MarginSessionReport): string {
  const lines = [
    `Session ${info.address} (${info.kind}, ${info.mode}, ${info.participation})`,
    `  status    ${info.status}; ${info.phase}`,
    `  chain now ${isoTime(info.now)}`,
    `  t1        ${isoTime(info.t1)}  subscriptions close, trading opens`,
    `  t2        ${isoTime(info.t2)}  trading closes, fixing time`,
    `  fallback  ${isoTime(info.fallbackDeadline)}  last moment for a fixing`,
    `  claims    ${isoTime(info.claimDeadline)}  dust sweepable after`,
    `  fees      taker ${info.takerFeeBps} bps, maker ${info.makerFeeBps} bps, to ${info.feeRecipient}`,
    `  shares    ${info.totalShares}` +
      (info.kind === "cash" ? `, collateral ${info.collateralSymbol} ${info.collateral}` : ""),
    "",
    textTable(
      ["leg", "symbol", "token", "unit/share", "floor", "cap", "latest price", "settlement"],
      info.legs.map((l) => [
        l.index,
        l.symbol,
        info.kind !== "cash" ? l.token : "-",
        formatAmount(l.unit, l.decimals),
        info.kind === "cash" ? formatAmount(l.floor, 18) : "-",
        info.kind === "cash" ? formatAmount(l.cap, 18) : "-",
        price(l.latestPrice),
        price(l.settlementPrice),
      ]),
    ),
  ];
  if (margin !== undefined) lines.push("", ...marginSessionLines(info, margin));
  if (acct !== undefined) {
    lines.push(
      "",
      `Account ${acct.account}: ${acct.shares} shares` +
        (info.kind === "cash"
          ? `, deposit ${formatAmount(acct.deposit, info.collateralDecimals)} ${info.collateralSymbol}`
          : "") +
        (acct.marginE36 !== undefined ? `, worst-case margin ${formatAmount(acct.marginE36, 36)}` : "") +
        `, claimed: ${acct.claimed ? "yes" : "no"}, nonce floor ${acct.nonceFloor}`,
      textTable(
        ["leg", "symbol", "baseline", "allocation", "change"],
        info.legs.map((l, k) => [
          k,
          l.symbol,
          formatAmount(acct.baseline[k], l.decimals),
          formatAmount(acct.allocation[k], l.decimals),
          formatAmount(acct.allocation[k] - acct.baseline[k], l.decimals),
        ]),
      ),
    );
    if (margin !== undefined) lines.push(...marginAccountLines(margin));
  }
  return lines.join("\n");
}

const bps = (v: number): string => `${v} bps`;

/** The margin session's configuration, stress scenarios, shorts, gap and per-leg state. */
function marginSessionLines(info: SessionInfo, m: MarginSessionReport): string[] {
  const legName = (k: number) => `${k} ${info.legs[k]?.symbol ?? ""}`.trim();
  return [
    `Margin (cash leg ${legName(m.cashLeg)})`,
    `  margin    initial ${bps(m.initialMarginBps)}, maintenance ${bps(m.maintenanceMarginBps)} of gross exposure; ` +
      `liquidation penalty ${bps(m.liquidationPenaltyBps)}`,
    `  shorts    ${m.shortAccounts} account${m.shortAccounts === 1 ? "" : "s"} short now; ` +
      `concentration cap ${bps(m.concentrationBps)} of a leg's basket; ` +
      `each keeps ${bps(m.minShortEquityBps)} of the pool's value as stressed equity`,
    `  stress    group legs ${m.groupLegs.length === 0 ? "none" : m.groupLegs.map(legName).join(", ")}, ` +
      `group shock ${bps(m.groupShockBps)}; per-leg shocks in the table`,
    `  actions   delay ${m.actionDelay} s; dividend reserve ${m.dividendReserve} ${m.cashSymbol}`,
    `  fallback  dispute window ${m.disputeWindow} s, bond ${m.disputeBond} ${m.cashSymbol}`,
    m.gap === null
      ? `  gap       none (${info.status === "open" ? "not settled yet" : `session ${info.status}`})`
      : `  gap       basket ${m.gap.basket}, deficit ${m.gap.deficit}, insurance ${m.gap.insurance}, ` +
        `positive ${m.gap.positive}, socialised ${m.gap.socialised} (quote units)`,
    textTable(
      ["leg", "symbol", "closed", "scale", "shock", "group"],
      m.legs.map((l) => [
        l.leg,
        l.symbol,
        l.closed ? "yes" : "no",
        `${l.scaleNum}/${l.scaleDen}`,
        bps(l.shockBps),
        l.inGroup ? "yes" : "no",
      ]),
    ),
  ];
}

/** The shown account's margin in quote units at the latest prices, and its dividends due. */
function marginAccountLines(m: MarginSessionReport): string[] {
  const a = m.account;
  if (a === undefined) return [`Margin: cannot be read now (${m.accountError ?? "unknown reason"})`];
  return [
    `Margin (quote units, latest oracle prices): equity ${a.equity}, stressed ${a.stressed}, gross ${a.gross}`,
    `  requirement initial ${a.initial}, maintenance ${a.maintenance}; headroom ${a.headroom} above initial; ` +
      `liquidatable: ${a.liquidatable ? "yes" : "no"}`,
    `  dividends due: ${a.dividends} ${a.cashSymbol}`,
  ];
}

export function fillText(r: FillResult, what: string): string {
  return [
    `${what} in ${r.session}: order ${r.digest.slice(0, 18)}... now ${formatAmount(r.filledAfterWad * 100n, 18)}% filled`,
    textTable(
      ["leg", "symbol", "maker change", "taker change"],
      r.legs.map((l) => [
        l.leg,
        l.symbol,
        formatAmount(l.makerDelta, l.decimals),
        formatAmount(l.takerDelta, l.decimals),
      ]),
    ),
    `tx ${r.txHash} (gas ${r.gasUsed})`,
  ].join("\n");
}
