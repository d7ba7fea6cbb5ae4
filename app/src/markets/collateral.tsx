/**
 * My collateral in the root's token: wallet balance, allowance to the markets contract, cash in the markets
 * account, the worst case of all my open roots in this token and what a withdrawal may take. Deposit (with the
 * ERC-20 approval as its own visible transaction when the allowance is short) and withdraw, through the wallet.
 */
import { useState } from "preact/hooks";
import { Contract, type Signer } from "ethers";

import { CliError, parseAmount } from "../../../sdk/input.js";
import { deposit, ERC20_ABI, withdraw } from "../../../sdk/markets/index.js";
import { explain } from "../ui/explain.js";
import { short } from "../ui/format.js";
import type { Track } from "../ui/txlog.js";
import type { RootData } from "./page.js";
import { inTokens, money } from "./units.js";

export function Collateral(props: {
  data: RootData;
  signer: Signer;
  markets: string;
  track: Track;
  refresh: () => void;
}) {
  const { data, signer, markets, track, refresh } = props;
  const { info, acct, wallet } = data;
  const token = info.collateral;
  const [depositText, setDeposit] = useState("100");
  const [withdrawText, setWithdraw] = useState("10");
  const [busy, setBusy] = useState(false);

  const parse = (v: string): { units?: bigint; err: string } => {
    try {
      const units = parseAmount(v, token.decimals, "amount");
      if (units <= 0n) throw new CliError("the amount must be above 0");
      return { units, err: "" };
    } catch (e) {
      return { err: explain(e) };
    }
  };
  const dep = parse(depositText);
  const wd = parse(withdrawText);
  const needsApproval = dep.units !== undefined && wallet !== undefined && wallet.allowance < dep.units;

  const doDeposit = async () => {
    if (dep.units === undefined) return;
    setBusy(true);
    if (needsApproval) {
      const approved = await track(
        `Approve ${money(info, dep.units)} for the markets contract`,
        async () => {
          const t = new Contract(token.address, ERC20_ABI, signer);
          const tx = (await t.approve(markets, dep.units)) as { hash: string; wait(): Promise<unknown> };
          await tx.wait();
          return tx.hash;
        },
        (h) => `allowance set to ${money(info, dep.units!)} in ${short(h)}`,
      );
      if (approved === undefined) {
        setBusy(false);
        refresh();
        return;
      }
    }
    await track(
      `Deposit ${money(info, dep.units)}`,
      () => deposit(signer, markets, token, depositText).catch(inTokens(info)),
      (r) => `cash now ${money(info, r.cash)} in ${short(r.txHash)}`,
    );
    setBusy(false);
    refresh();
  };

  const doWithdraw = async () => {
    setBusy(true);
    await track(
      `Withdraw ${withdrawText} ${token.symbol}`,
      () => withdraw(signer, markets, token, withdrawText).catch(inTokens(info)),
      (r) => `paid ${money(info, r.amount)} to ${short(r.to)} in ${short(r.txHash)}`,
    );
    setBusy(false);
    refresh();
  };

  return (
    <section class="card" data-testid="collateral">
      <h3>My collateral ({token.symbol})</h3>
      <table>
        <tbody>
          <tr>
            <td>In my wallet</td>
            <td class="num" data-testid="wallet-balance">
              {wallet === undefined ? "—" : money(info, wallet.balance)}
            </td>
          </tr>
          <tr>
            <td>Allowance to the markets contract</td>
            <td class="num" data-testid="allowance">
              {wallet === undefined ? "—" : money(info, wallet.allowance)}
            </td>
          </tr>
          <tr>
            <td>Cash in the markets account</td>
            <td class="num" data-testid="cash">
              {acct === undefined ? "—" : money(info, acct.cash)}
            </td>
          </tr>
          <tr>
            <td>Worst case of my open roots in {token.symbol}</td>
            <td class="num" data-testid="sum-worst">
              {acct === undefined ? "—" : money(info, acct.sumWorst)}
            </td>
          </tr>
          <tr>
            <td>
              <b>Free to withdraw</b>
            </td>
            <td class="num" data-testid="free">
              <b>{acct === undefined ? "—" : money(info, acct.free)}</b>
            </td>
          </tr>
        </tbody>
      </table>
      <div class="form" style={{ marginTop: "10px" }}>
        <label>
          Deposit
          <input value={depositText} onInput={(e) => setDeposit(e.currentTarget.value)} data-testid="deposit-amount" />
        </label>
        <button disabled={busy || dep.units === undefined} onClick={() => void doDeposit()} data-testid="deposit">
          {needsApproval ? "Approve and deposit" : "Deposit"}
        </button>
      </div>
      {dep.err !== "" && <p class="error">{dep.err}</p>}
      {needsApproval && (
        <p class="muted" data-testid="approval-note">
          The allowance is short: your wallet first approves exactly {depositText} {token.symbol} for the markets
          contract, then deposits.
        </p>
      )}
      <div class="form">
        <label>
          Withdraw
          <input
            value={withdrawText}
            onInput={(e) => setWithdraw(e.currentTarget.value)}
            data-testid="withdraw-amount"
          />
        </label>
        <button
          class="secondary"
          disabled={busy || wd.units === undefined}
          onClick={() => void doWithdraw()}
          data-testid="withdraw"
        >
          Withdraw
        </button>
      </div>
      {wd.err !== "" && <p class="error">{wd.err}</p>}
    </section>
  );
}
