/**
 * A session's life around trading: subscribing before t1 (what the shares cost per token, my balances and
 * allowances, each short approval as its own visible transaction, then the subscription), claiming after
 * settlement (what the claim pays, asked of the chain before the wallet signs), and on a margin session my
 * margin report with a liquidation warning.
 */
import { useEffect, useState } from "preact/hooks";
import { Contract, parseUnits, type ContractRunner, type Signer } from "ethers";

import { CliError, isoTime } from "../../../sdk/input.js";
import { marginReport, type MarginReport } from "../../../sdk/sessions/margin.js";
import { CashSession__factory, MarginModule__factory } from "../../../types/ethers-contracts/index.js";
import { coreAt, ERC20_ABI, subscriptionCost, type AccountInfo, type SessionInfo } from "../sdk.js";
import { explain } from "../ui/explain.js";
import { fmt, short } from "../ui/format.js";
import type { Track } from "../ui/txlog.js";

/** One token a subscription pulls: what it costs, what I hold and what the session may take now. */
interface Need {
  token: string;
  symbol: string;
  decimals: number;
  amount: bigint;
  balance: bigint;
  allowance: bigint;
}

async function readNeeds(runner: ContractRunner, info: SessionInfo, account: string, shares: bigint): Promise<Need[]> {
  const deposit =
    info.kind === "cash" ? await CashSession__factory.connect(info.address, runner).depositFor(shares) : undefined;
  return Promise.all(
    subscriptionCost(info, shares, deposit).map(async (c) => {
      const t = new Contract(c.token, ERC20_ABI, runner);
      const [balance, allowance] = (await Promise.all([t.balanceOf(account), t.allowance(account, info.address)])) as [
        bigint,
        bigint,
      ];
      return { ...c, balance, allowance };
    }),
  );
}

/** Parses a whole number of shares (at least 1). */
function parseShares(text: string): { shares?: bigint; err: string } {
  if (!/^\s*\d+\s*$/.test(text)) return { err: "shares are a whole number, e.g. 5" };
  const shares = BigInt(text.trim());
  if (shares < 1n) return { err: "subscribe at least 1 share" };
  return { shares, err: "" };
}

/** Subscribe before t1: the basket for the shares asked, approvals first (exact amounts), then the subscription. */
export function SubscribePanel(props: {
  info: SessionInfo;
  me: AccountInfo;
  signer: Signer;
  track: Track;
  refresh: () => void;
}) {
  const { info, me, signer, track, refresh } = props;
  const [text, setText] = useState("1");
  const [proofText, setProof] = useState("");
  const [needs, setNeeds] = useState<Need[] | undefined>();
  const [readErr, setReadErr] = useState("");
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const parsed = parseShares(text);

  useEffect(() => {
    if (parsed.shares === undefined) return;
    let stale = false;
    readNeeds(signer, info, me.account, parsed.shares).then(
      (n) => !stale && (setNeeds(n), setReadErr("")),
      (e: unknown) => !stale && setReadErr(explain(e)),
    );
    return () => {
      stale = true;
    };
  }, [signer, info, me.account, parsed.shares, tick]);

  const short_ = needs?.filter((n) => n.balance < n.amount) ?? [];
  const toApprove = needs?.filter((n) => n.allowance < n.amount) ?? [];
  let proof: string[] = [];
  let proofErr = "";
  if (info.participation === "merkle" && proofText.trim() !== "") {
    try {
      const p: unknown = JSON.parse(proofText);
      if (!Array.isArray(p) || !p.every((x) => typeof x === "string" && /^0x[0-9a-fA-F]{64}$/.test(x)))
        throw new CliError("the proof is a JSON array of 32-byte hex strings");
      proof = p as string[];
    } catch (e) {
      proofErr = e instanceof CliError ? e.message : "the proof is not valid JSON: a JSON array of 32-byte hex strings";
    }
  }

  const approve = async (n: Need) => {
    setBusy(true);
    await track(
      `Approve ${fmt(n.amount, n.decimals)} ${n.symbol} for the session`,
      async () => {
        const tx = (await new Contract(n.token, ERC20_ABI, signer).approve(info.address, n.amount)) as {
          hash: string;
          wait(): Promise<unknown>;
        };
        await tx.wait();
        return tx.hash;
      },
      (h) => `allowance set to ${fmt(n.amount, n.decimals)} ${n.symbol} in ${short(h)}`,
    );
    setBusy(false);
    setTick((t) => t + 1);
  };

  const subscribe = async () => {
    if (parsed.shares === undefined) return;
    const shares = parsed.shares;
    setBusy(true);
    await track(
      `Subscribe ${shares} share${shares === 1n ? "" : "s"}`,
      async () => {
        const s = coreAt(info.address, signer);
        await s.subscribe.staticCall(shares, proof); // a refusal is decoded before the wallet is asked
        const tx = await s.subscribe(shares, proof);
        await tx.wait();
        return tx.hash;
      },
      (h) => `subscribed ${shares} share${shares === 1n ? "" : "s"} in ${short(h)}`,
    );
    setBusy(false);
    setTick((t) => t + 1);
    refresh();
  };

  const ready = parsed.shares !== undefined && needs !== undefined && short_.length === 0 && toApprove.length === 0;
  return (
    <section class="card" data-testid="subscribe">
      <h3>Subscribe before t1 ({isoTime(info.t1)})</h3>
      <p class="muted">
        A share is the fixed basket below; subscribers then only reallocate between legs. I hold {me.shares.toString()}{" "}
        share{me.shares === 1n ? "" : "s"}.
        {info.participation === "role" && " This session admits only accounts its admin allowed."}
      </p>
      <div class="form">
        <label>
          Shares
          <input value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="subscribe-shares" />
        </label>
        {info.participation === "merkle" && (
          <label>
            Merkle proof (JSON)
            <input value={proofText} onInput={(e) => setProof(e.currentTarget.value)} data-testid="subscribe-proof" />
          </label>
        )}
      </div>
      {parsed.err !== "" && <p class="error">{parsed.err}</p>}
      {proofErr !== "" && <p class="error">{proofErr}</p>}
      {readErr !== "" && <p class="error">{readErr}</p>}
      {needs !== undefined && parsed.shares !== undefined && (
        <table data-testid="subscribe-needs">
          <thead>
            <tr>
              <th>Token</th>
              <th class="num">Costs</th>
              <th class="num">In my wallet</th>
              <th class="num">Approved to the session</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {needs.map((n) => (
              <tr key={n.token} data-testid={`need-${n.symbol}`}>
                <td>
                  <b>{n.symbol}</b>
                </td>
                <td class="num">{fmt(n.amount, n.decimals)}</td>
                <td class={`num ${n.balance < n.amount ? "error" : ""}`}>{fmt(n.balance, n.decimals)}</td>
                <td class="num" data-testid="need-allowance">
                  {fmt(n.allowance, n.decimals)} {n.allowance >= n.amount ? "✓" : ""}
                </td>
                <td>
                  {n.allowance < n.amount && (
                    <button disabled={busy} onClick={() => void approve(n)} data-testid={`approve-${n.symbol}`}>
                      Approve {fmt(n.amount, n.decimals)} {n.symbol}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {short_.length > 0 && (
        <p class="error" data-testid="subscribe-short">
          Not enough{" "}
          {short_
            .map(
              (n) =>
                `${n.symbol}: ${parsed.shares} shares need ${fmt(n.amount, n.decimals)}, the wallet holds ${fmt(n.balance, n.decimals)}`,
            )
            .join("; ")}
          .
        </p>
      )}
      {toApprove.length > 0 && short_.length === 0 && (
        <p class="muted">
          Approve each token first (exactly what the shares cost); each approval is its own transaction.
        </p>
      )}
      <button
        disabled={busy || !ready || proofErr !== ""}
        onClick={() => void subscribe()}
        data-testid="subscribe-send"
      >
        Subscribe
      </button>
    </section>
  );
}

/** After settlement (or the fallback release): what my claim pays, then the claim. */
export function ClaimPanel(props: {
  info: SessionInfo;
  me: AccountInfo;
  signer: Signer;
  track: Track;
  refresh: () => void;
}) {
  const { info, me, signer, track, refresh } = props;
  const [pays, setPays] = useState<bigint[] | undefined>();
  const [err, setErr] = useState("");
  const [busy, setBusy] = useState(false);
  const payTokens =
    info.kind === "cash"
      ? [{ symbol: info.collateralSymbol, decimals: info.collateralDecimals }]
      : info.legs.map((l) => ({ symbol: l.symbol, decimals: l.decimals }));

  useEffect(() => {
    if (me.claimed || me.shares === 0n) return;
    let stale = false;
    coreAt(info.address, signer)
      .claim.staticCall(me.account)
      .then(
        (a) => !stale && (setPays(a.map((v) => BigInt(v))), setErr("")),
        (e: unknown) => !stale && setErr(explain(e)),
      );
    return () => {
      stale = true;
    };
  }, [info.address, signer, me.account, me.claimed, me.shares]);

  const claim = async () => {
    setBusy(true);
    await track(
      "Claim my settlement",
      async () => {
        const s = coreAt(info.address, signer);
        const amounts = await s.claim.staticCall(me.account);
        const tx = await s.claim(me.account);
        await tx.wait();
        return { hash: tx.hash, amounts: amounts.map((v) => BigInt(v)) };
      },
      (r) =>
        `paid ${r.amounts.map((a, k) => `${fmt(a, payTokens[k].decimals)} ${payTokens[k].symbol}`).join(", ")} in ${short(r.hash)}`,
    );
    setBusy(false);
    refresh();
  };

  return (
    <section class="card" data-testid="claim">
      <h3>Claim ({info.status})</h3>
      {me.shares === 0n && <p class="muted">This account holds no shares of this session: nothing to claim.</p>}
      {me.claimed && <p data-testid="claimed">Claimed: this account's settlement has been paid.</p>}
      {!me.claimed && me.shares > 0n && (
        <>
          <p>
            The claim pays to this wallet, once, until {isoTime(info.claimDeadline)}:{" "}
            <b data-testid="claim-pays">
              {pays === undefined
                ? "…"
                : pays.map((a, k) => `${fmt(a, payTokens[k].decimals)} ${payTokens[k].symbol}`).join(", ")}
            </b>
          </p>
          {err !== "" && <p class="error">{err}</p>}
          <button disabled={busy || pays === undefined} onClick={() => void claim()} data-testid="claim-send">
            Claim
          </button>
        </>
      )}
    </section>
  );
}

/** A report figure (decimal string of quote units) with thousands separators, to 4 decimals. */
const q = (v: string): string => fmt(parseUnits(v, 36), 36, 4);

/** How close a short account is to liquidation, in words; "" when it is not short or far from it. */
export function liquidationWarning(r: MarginReport): string {
  if (r.liquidatable)
    return `Liquidatable now: stressed equity ${q(r.stressed)} is below the maintenance margin ${q(r.maintenance)}. Anyone may liquidate this account; add to the long legs or close the shorts.`;
  const stressed = Number(r.stressed);
  const maintenance = Number(r.maintenance);
  if (maintenance > 0 && stressed < maintenance * 1.25)
    return `Close to liquidation: stressed equity ${q(r.stressed)} is within 25% of the maintenance margin ${q(r.maintenance)}.`;
  return "";
}

/** A margin session: my margin at the latest prices, with the liquidation warning. */
export function MarginPanel(props: { info: SessionInfo; runner: ContractRunner; account: string; tick: number }) {
  const { info, runner, account, tick } = props;
  const [r, setR] = useState<MarginReport | undefined>();
  const [err, setErr] = useState("");
  useEffect(() => {
    let stale = false;
    marginReport(MarginModule__factory.connect(info.address, runner), account).then(
      (x) => !stale && (setR(x), setErr("")),
      (e: unknown) => !stale && setErr(explain(e)),
    );
    return () => {
      stale = true;
    };
  }, [info.address, runner, account, tick]);
  const warning = r === undefined ? "" : liquidationWarning(r);
  return (
    <section class="card" data-testid="margin">
      <h3>My margin (quote units, latest prices)</h3>
      {err !== "" && <p class="error">{err}</p>}
      {warning !== "" && (
        <p class={`banner ${r?.liquidatable === true ? "error" : ""}`} data-testid="liquidation-warning">
          {warning}
        </p>
      )}
      {r !== undefined && (
        <table data-testid="margin-report">
          <tbody>
            <tr>
              <td>Equity (allocation × prices)</td>
              <td class="num">{q(r.equity)}</td>
            </tr>
            <tr>
              <td>Stressed equity (worst scenario)</td>
              <td class="num" data-testid="margin-stressed">
                {q(r.stressed)}
              </td>
            </tr>
            <tr>
              <td>Gross exposure</td>
              <td class="num">{q(r.gross)}</td>
            </tr>
            <tr>
              <td>Initial margin (a trade that leaves me short must keep stressed equity above it)</td>
              <td class="num">{q(r.initial)}</td>
            </tr>
            <tr>
              <td>Maintenance margin (below it a short account can be liquidated)</td>
              <td class="num" data-testid="margin-maintenance">
                {q(r.maintenance)}
              </td>
            </tr>
            <tr>
              <td>
                <b>Headroom before trades are refused</b>
              </td>
              <td class="num">
                <b>{q(r.headroom)}</b>
              </td>
            </tr>
          </tbody>
        </table>
      )}
    </section>
  );
}
