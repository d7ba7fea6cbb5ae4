/**
 * New session order: side, amount, legs, rate, expiry, private taker; signed in the wallet, posted to the relay.
 * "Sign for my Safe": the Safe is the maker and the connected wallet, one of its owners, signs the Safe's
 * EIP-712 SafeMessage over the order digest (the relay and the session check it through ERC-1271).
 */
import { useEffect, useState } from "preact/hooks";
import type { Signer } from "ethers";

import { CliError, formatAmount, parseAddress, parseAmount } from "../../../sdk/input.js";
import { coreAt, signOrder, type AccountInfo, type SessionInfo } from "../sdk.js";
import { postOrder, RelayError } from "../relay.js";
import { readSafe } from "../../../sdk/safe.js";
import { explain } from "../ui/explain.js";
import { fmt, short, WAD } from "../ui/format.js";
import type { Track } from "../ui/txlog.js";
import { pageSalts } from "../salts.js";

/** The feeds' rate of leg j per leg i as a decimal string (6 significant places), or "1" without prices. */
function defaultRate(info: SessionInfo, i: number, j: number): string {
  const pi = info.legs[i]?.latestPrice;
  const pj = info.legs[j]?.latestPrice;
  if (pi === undefined || pj === undefined || pj === 0n) return "1";
  return formatAmount(((pi * WAD) / pj / 10n ** 12n) * 10n ** 12n, 18);
}

/**
 * Checks that the connected wallet can sign alone for the Safe at `safeArg`: a Safe on this network, `me` among
 * its owners, a threshold of one. Throws a sentence for the page otherwise.
 */
async function checkSafeMaker(signer: Signer, safeArg: string): Promise<string> {
  const safe = await readSafe(signer, safeArg, "the Safe address");
  const me = await signer.getAddress();
  if (!safe.owners.some((o) => o.toLowerCase() === me.toLowerCase()))
    throw new CliError(
      `your connected wallet ${me} is not an owner of the Safe ${safe.address} (owners: ${safe.owners.join(", ")}): connect an owner's wallet to sign for it`,
    );
  if (safe.threshold !== 1n)
    throw new CliError(
      `the Safe ${safe.address} needs ${safe.threshold} owner signatures; this page signs as one owner: approve the order digest on chain from the Safe instead`,
    );
  return safe.address;
}

/** The relay's `unfundable` refusal restated in the legs' units from the maker's own allocation. */
function unfundableText(info: SessionInfo, me: AccountInfo, amounts: [string, string], legs: [number, number]): string {
  const parts: string[] = [];
  legs.forEach((k, n) => {
    if (!amounts[n].startsWith("-")) return;
    const l = info.legs[k];
    parts.push(
      `the order gives ${amounts[n].slice(1)} ${l.symbol} but you hold ${fmt(me.allocation[k], l.decimals)} ${l.symbol} in this session`,
    );
  });
  return `Refused by the relay: unfundable (field order.maker): ${parts.join("; ")}. Trade less or subscribe more.`;
}

export function OrderEntry(props: {
  info: SessionInfo;
  me: AccountInfo;
  signer: Signer;
  track: Track;
  refresh: () => void;
  trading: boolean;
}) {
  const { info, signer, track, refresh } = props;
  const [i, setI] = useState(0);
  const [j, setJ] = useState(Math.min(1, info.legs.length - 1));
  const [side, setSide] = useState<"sell" | "buy">("sell");
  const [amount, setAmount] = useState("1");
  const [rate, setRate] = useState(() => defaultRate(info, 0, Math.min(1, info.legs.length - 1)));
  const [expiry, setExpiry] = useState("24");
  const [taker, setTaker] = useState("");
  const [asSafe, setAsSafe] = useState(false);
  const [safe, setSafe] = useState("");
  // the Safe's allocation in this session (re-read whenever the page refreshes the wallet's own account)
  const [safeHeld, setSafeHeld] = useState<bigint[] | undefined>();
  useEffect(() => {
    setSafeHeld(undefined);
    if (!asSafe || !/^0x[0-9a-fA-F]{40}$/.test(safe.trim())) return;
    let live = true;
    coreAt(info.address, signer)
      .allocationOf(safe.trim())
      .then((a) => live && setSafeHeld([...a]))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [asSafe, safe, info.address, signer, props.me]);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const [busy, setBusy] = useState(false);

  let amounts: [string, string] | undefined;
  let inputErr = "";
  try {
    if (i === j) throw new CliError("pick two different legs");
    const li = info.legs[i];
    const lj = info.legs[j];
    const ai = parseAmount(amount, li.decimals, `amount of ${li.symbol}`);
    if (ai <= 0n) throw new CliError(`the amount of ${li.symbol} must be above 0`);
    const r = parseAmount(rate, 18, "rate");
    if (r <= 0n) throw new CliError("the rate must be above 0");
    const den = 10n ** BigInt(li.decimals) * WAD;
    const num = ai * r * 10n ** BigInt(lj.decimals);
    // the maker's side of its limit: receiving leg j rounds down, giving leg j rounds up
    const aj = side === "sell" ? num / den : (num + den - 1n) / den;
    if (aj === 0n) throw new CliError(`at this rate the ${lj.symbol} amount rounds to zero: trade more`);
    amounts =
      side === "sell"
        ? [formatAmount(-ai, li.decimals), formatAmount(aj, lj.decimals)]
        : [formatAmount(ai, li.decimals), formatAmount(-aj, lj.decimals)];
    if (taker.trim() !== "") parseAddress(taker, "private taker");
    if (asSafe) parseAddress(safe, "the Safe address");
    if (!(Number(expiry) > 0)) throw new CliError("expiry must be a number of hours above 0");
  } catch (e) {
    inputErr = explain(e);
  }

  const submit = async () => {
    if (amounts === undefined) return;
    setBusy(true);
    setResult(undefined);
    let failure = "";
    const posted = await track(
      "Sign and post order",
      async () => {
        try {
          const maker = asSafe ? await checkSafeMaker(signer, safe) : undefined;
          const file = await signOrder(signer, {
            session: info.address,
            legs: [i, j],
            amounts,
            taker: taker.trim() === "" ? undefined : taker.trim(),
            expiryHours: Number(expiry),
            safe: maker,
            saltStore: pageSalts,
          });
          return await postOrder(file);
        } catch (e) {
          failure = explain(e); // shown next to the form as well as in the log
          if (e instanceof RelayError && e.code === "unfundable" && !asSafe) {
            // the relay's text gives raw units; restate it in tokens from the maker's allocation
            failure = unfundableText(info, props.me, amounts, [i, j]);
            throw new Error(failure);
          }
          throw e;
        }
      },
      (o) => `relay: ${o.status} ${short(o.digest)}`,
    );
    setResult(
      posted !== undefined
        ? { ok: true, text: `Accepted by the relay: ${posted.status}, order ${posted.digest}` }
        : { ok: false, text: failure },
    );
    setBusy(false);
    refresh();
  };

  const legOptions = info.legs.map((l, k) => (
    <option key={k} value={k}>
      {l.symbol} (#{k})
    </option>
  ));
  return (
    <section class="card" data-testid="order-entry">
      <h3>New order (signed in your wallet, posted to the relay)</h3>
      <div class="form">
        <label>
          I want to
          <select value={side} onChange={(e) => setSide(e.currentTarget.value as "sell" | "buy")} data-testid="side">
            <option value="sell">sell (give)</option>
            <option value="buy">buy (receive)</option>
          </select>
        </label>
        <label>
          Amount
          <input value={amount} onInput={(e) => setAmount(e.currentTarget.value)} data-testid="amount" />
        </label>
        <label>
          of
          <select
            value={i}
            onChange={(e) => {
              const k = Number(e.currentTarget.value);
              setI(k);
              setRate(defaultRate(info, k, j));
            }}
            data-testid="leg-i"
          >
            {legOptions}
          </select>
        </label>
        <label>
          at a rate of
          <input value={rate} onInput={(e) => setRate(e.currentTarget.value)} data-testid="rate" />
        </label>
        <label>
          per unit, paid in
          <select
            value={j}
            onChange={(e) => {
              const k = Number(e.currentTarget.value);
              setJ(k);
              setRate(defaultRate(info, i, k));
            }}
            data-testid="leg-j"
          >
            {legOptions}
          </select>
        </label>
        <label>
          Expires in (hours)
          <input value={expiry} onInput={(e) => setExpiry(e.currentTarget.value)} data-testid="expiry" />
        </label>
        <label>
          Private taker (optional)
          <input value={taker} placeholder="0x… or empty for anyone" onInput={(e) => setTaker(e.currentTarget.value)} />
        </label>
        <label>
          <input
            type="checkbox"
            checked={asSafe}
            onChange={(e) => setAsSafe(e.currentTarget.checked)}
            data-testid="as-safe"
          />{" "}
          sign for my Safe
        </label>
        {asSafe && (
          <label>
            Safe address (maker; you sign as its owner)
            <input
              value={safe}
              placeholder="0x… the Safe"
              onInput={(e) => setSafe(e.currentTarget.value)}
              data-testid="safe-address"
            />
          </label>
        )}
      </div>
      {asSafe && safeHeld !== undefined && (
        <p data-testid="safe-allocation">
          The Safe holds {info.legs.map((l, k) => `${fmt(safeHeld[k] ?? 0n, l.decimals)} ${l.symbol}`).join(", ")} in
          this session.
        </p>
      )}
      {inputErr !== "" ? (
        <p class="error">{inputErr}</p>
      ) : (
        amounts !== undefined && (
          <p data-testid="order-summary">
            You sign: {amounts[0].startsWith("-") ? "give" : "receive"}{" "}
            <b>
              {fmt(
                parseAmount(amounts[0].replace("-", ""), info.legs[i].decimals, "amount"),
                info.legs[i].decimals,
                18,
              )}{" "}
              {info.legs[i].symbol}
            </b>
            , {amounts[1].startsWith("-") ? "give" : "receive"}{" "}
            <b>
              {fmt(
                parseAmount(amounts[1].replace("-", ""), info.legs[j].decimals, "amount"),
                info.legs[j].decimals,
                18,
              )}{" "}
              {info.legs[j].symbol}
            </b>
            {asSafe ? ` as the Safe ${short(safe)}` : ""}; maker fee {info.makerFeeBps.toString()} bps, expires {expiry}{" "}
            h after chain time.
          </p>
        )
      )}
      <button disabled={busy || amounts === undefined} onClick={() => void submit()} data-testid="sign-order">
        Sign and post
      </button>
      {result !== undefined && (
        <p class={result.ok ? "ok" : "error"} data-testid="order-result">
          {result.text}
        </p>
      )}
    </section>
  );
}
