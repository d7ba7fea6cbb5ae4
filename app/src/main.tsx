/**
 * The Ringfence web trading app, sessions part (docs/app.md): wallet discovery and the network check, the
 * session list, and a session's page with its legs, pool, my allocation, the relay's book (HTTP + WebSocket),
 * order entry signed in the wallet with `eth_signTypedData_v4`, fills with a preview, cancel and cancel-all.
 * Every chain read and write goes through the SDK (`sdk/sessions`); every revert is shown decoded by it.
 */
import { render } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { BrowserProvider, Contract, JsonRpcProvider, ZeroAddress, type ContractRunner, type Signer } from "ethers";

import { CliError, formatAmount, isoTime, parseAddress, parseAmount, parseFraction } from "../../sdk/input.js";
import {
  accountInfo,
  cancelAll,
  cancelOrder,
  ERC20_ABI,
  fillOrder,
  humanErrorOf,
  listSessions,
  loadSession,
  signOrder,
  type AccountInfo,
  type SessionInfo,
  type SessionSummary,
} from "./sdk.js";
import { amountAt } from "../../sdk/sessions/orders.js";
import {
  RelayError,
  listOrders,
  postOrder,
  readBooks,
  toOrderFile,
  watch,
  type Book,
  type RelayOrder,
} from "./relay.js";
import { discoverWallets, switchChain, walletChainId, type WalletEntry } from "./wallet.js";
import { DepthChart, AllocationChart } from "./charts.js";

const WAD = 10n ** 18n;

interface AppConfig {
  chainId: number;
  factory: string;
}

// ------------------------------------------------------------------ formatting

/** Integer units as a human number, cut (not rounded) to `dp` decimals, with thousands separators. */
export function fmt(v: bigint, decimals: number, dp = 6): string {
  const s = formatAmount(v, decimals);
  const [int, frac = ""] = s.replace("-", "").split(".");
  const cut = frac.slice(0, dp).replace(/0+$/, "");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${v < 0n ? "-" : ""}${grouped}${cut === "" ? "" : "." + cut}`;
}

/** A relay price (leg-j raw units per leg-i raw unit, WAD) as leg-j tokens per leg-i token (WAD). */
function humanPrice(priceWad: bigint, di: number, dj: number): bigint {
  return (priceWad * 10n ** BigInt(di)) / 10n ** BigInt(dj);
}

const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;

/** Any failure as one sentence: relay refusals with their code and field, reverts decoded by the SDK. */
export function explain(e: unknown): string {
  if (e instanceof RelayError)
    return `Refused by the relay: ${e.code}${e.field === null ? "" : ` (field ${e.field})`}: ${e.message}`;
  if (e instanceof CliError) return e.message;
  const code = (e as { code?: unknown; info?: { error?: { code?: unknown } } })?.code;
  if (code === 4001 || code === "ACTION_REJECTED") return "You rejected the request in the wallet.";
  return humanErrorOf(e).message;
}

// ------------------------------------------------------------------ transactions log

interface TxEntry {
  id: number;
  label: string;
  state: "pending" | "confirmed" | "failed";
  detail: string;
}

let txSeq = 0;

function TxLog({ txs }: { txs: TxEntry[] }) {
  if (txs.length === 0) return null;
  return (
    <section class="card" data-testid="txlog">
      <h3>Transactions and signatures</h3>
      <ul class="txs">
        {txs
          .slice()
          .reverse()
          .map((t) => (
            <li key={t.id} class={`tx ${t.state}`} data-testid={`tx-${t.state}`}>
              <span class="badge">{t.state}</span> <b>{t.label}</b> <span class="muted">{t.detail}</span>
            </li>
          ))}
      </ul>
    </section>
  );
}

// ------------------------------------------------------------------ the app

function App() {
  const [config, setConfig] = useState<AppConfig | undefined>();
  const [wallets, setWallets] = useState<WalletEntry[]>([]);
  const [wallet, setWallet] = useState<WalletEntry | undefined>();
  const [account, setAccount] = useState<string | undefined>();
  const [chainId, setChainId] = useState<number | undefined>();
  const [signer, setSigner] = useState<Signer | undefined>();
  const [route, setRoute] = useState(location.hash);
  const [txs, setTxs] = useState<TxEntry[]>([]);
  const [error, setError] = useState("");

  useEffect(() => {
    void fetch("/config.json")
      .then((r) => r.json() as Promise<AppConfig>)
      .then((c) => {
        const q = new URLSearchParams(location.search);
        setConfig({ chainId: Number(q.get("chainId") ?? c.chainId), factory: q.get("factory") ?? c.factory });
      })
      .catch((e: unknown) => setError(`cannot read /config.json: ${String(e)}`));
    const stop = discoverWallets(setWallets);
    const onHash = () => setRoute(location.hash);
    window.addEventListener("hashchange", onHash);
    return () => {
      stop();
      window.removeEventListener("hashchange", onHash);
    };
  }, []);

  // follow the wallet's account and chain
  useEffect(() => {
    const p = wallet?.provider;
    if (p === undefined) return;
    const onAccounts = (a: unknown) => setAccount((a as string[])[0]);
    const onChain = (c: unknown) => setChainId(Number(BigInt(String(c))));
    p.on?.("accountsChanged", onAccounts);
    p.on?.("chainChanged", onChain);
    return () => {
      p.removeListener?.("accountsChanged", onAccounts);
      p.removeListener?.("chainChanged", onChain);
    };
  }, [wallet]);

  // a signer only on the right network
  useEffect(() => {
    setSigner(undefined);
    if (wallet === undefined || account === undefined || config === undefined || chainId !== config.chainId) return;
    const bp = new BrowserProvider(wallet.provider, config.chainId);
    bp.pollingInterval = 500;
    void bp.getSigner(account).then(setSigner, (e: unknown) => setError(explain(e)));
  }, [wallet, account, chainId, config]);

  const rpc = useMemo(
    () =>
      config === undefined
        ? undefined
        : new JsonRpcProvider(`${location.origin}/rpc`, config.chainId, { staticNetwork: true, pollingInterval: 1000 }),
    [config],
  );
  const runner: ContractRunner | undefined = signer?.provider ?? rpc;

  const connect = async (w: WalletEntry) => {
    setError("");
    try {
      const accounts = (await w.provider.request({ method: "eth_requestAccounts" })) as string[];
      setWallet(w);
      setAccount(accounts[0]);
      setChainId(await walletChainId(w.provider));
    } catch (e) {
      setError(explain(e));
    }
  };

  /** Runs one wallet action and logs it: pending, then confirmed (with `done`'s text) or failed (decoded). */
  const track = useCallback(async <T,>(label: string, run: () => Promise<T>, done: (r: T) => string) => {
    const id = ++txSeq;
    setTxs((t) => [...t, { id, label, state: "pending", detail: "waiting for the wallet and the chain…" }]);
    try {
      const r = await run();
      setTxs((t) => t.map((x) => (x.id === id ? { ...x, state: "confirmed", detail: done(r) } : x)));
      return r;
    } catch (e) {
      setTxs((t) => t.map((x) => (x.id === id ? { ...x, state: "failed", detail: explain(e) } : x)));
      return undefined;
    }
  }, []);

  const wrongChain =
    wallet !== undefined && config !== undefined && chainId !== undefined && chainId !== config.chainId;
  const sessionAddr = /^#\/session\/(0x[0-9a-fA-F]{40})/.exec(route)?.[1];

  return (
    <div class="page">
      <header class="top">
        <a href="#/" class="brand">
          Ringfence <span class="muted">sessions</span>
        </a>
        <div class="wallet" data-testid="wallet">
          {account !== undefined ? (
            <span>
              <span class="dot ok" /> {wallet?.name} · <code data-testid="account">{short(account)}</code> · chain{" "}
              {chainId}
            </span>
          ) : wallets.length === 0 ? (
            <span class="muted">No wallet found (install one that supports EIP-6963 or window.ethereum)</span>
          ) : (
            wallets.map((w) => (
              <button key={w.uuid} onClick={() => void connect(w)} data-testid="connect">
                Connect {w.name}
              </button>
            ))
          )}
        </div>
      </header>
      {wrongChain && (
        <div class="banner warn" data-testid="wrong-network">
          Your wallet is on chain {chainId}; this app trades on chain {config.chainId}.{" "}
          <button
            data-testid="switch-network"
            onClick={() =>
              void switchChain(wallet.provider, config.chainId)
                .then(() => walletChainId(wallet.provider))
                .then(setChainId, (e: unknown) => setError(explain(e)))
            }
          >
            Switch network
          </button>
        </div>
      )}
      {error !== "" && (
        <div class="banner error" data-testid="error">
          {error}
        </div>
      )}
      {config !== undefined && runner !== undefined && (
        <main>
          {sessionAddr === undefined ? (
            <SessionList runner={runner} factory={config.factory} />
          ) : (
            <SessionPage
              key={sessionAddr}
              runner={runner}
              signer={signer}
              account={account}
              address={sessionAddr}
              track={track}
            />
          )}
        </main>
      )}
      <TxLog txs={txs} />
    </div>
  );
}

type Track = <T>(label: string, run: () => Promise<T>, done: (r: T) => string) => Promise<T | undefined>;

// ------------------------------------------------------------------ session list

function SessionList({ runner, factory }: { runner: ContractRunner; factory: string }) {
  const [rows, setRows] = useState<SessionSummary[] | undefined>();
  const [err, setErr] = useState("");
  useEffect(() => {
    if (factory === "") return setErr("No session factory configured (set RF_FACTORY or ?factory=0x…).");
    listSessions(runner, factory).then(setRows, (e: unknown) => setErr(explain(e)));
  }, [runner, factory]);
  return (
    <section class="card">
      <h2>Sessions</h2>
      {err !== "" && <p class="error">{err}</p>}
      {rows === undefined && err === "" && <p class="muted">Loading sessions…</p>}
      {rows !== undefined && (
        <table data-testid="sessions">
          <thead>
            <tr>
              <th>#</th>
              <th>Session</th>
              <th>Kind</th>
              <th>Legs</th>
              <th>Phase</th>
              <th>Trading window (t1 → t2)</th>
              <th class="num">Shares</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.address}>
                <td>{s.index}</td>
                <td>
                  <a href={`#/session/${s.address}`} data-testid="session-link">
                    {short(s.address)}
                  </a>
                </td>
                <td>{s.kind}</td>
                <td>{s.legs}</td>
                <td>{s.phase}</td>
                <td>
                  {isoTime(s.t1)} → {isoTime(s.t2)}
                </td>
                <td class="num">{s.totalShares.toString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

// ------------------------------------------------------------------ one session

interface SessionData {
  info: SessionInfo;
  me?: AccountInfo;
  /** Tokens the session contract holds per leg (physical), for the conservation line. */
  held: bigint[];
  orders: RelayOrder[];
  books: Book[];
  relayError: string;
}

async function loadData(runner: ContractRunner, address: string, account?: string): Promise<SessionData> {
  const info = await loadSession(runner, address);
  const me = account === undefined ? undefined : await accountInfo(runner, info, account);
  const held =
    info.kind === "physical"
      ? await Promise.all(
          info.legs.map(async (l) => BigInt(await new Contract(l.token, ERC20_ABI, runner).balanceOf(info.address))),
        )
      : [];
  let orders: RelayOrder[] = [];
  let books: Book[] = [];
  let relayError = "";
  try {
    [orders, books] = await Promise.all([listOrders(info.address), readBooks(info.address)]);
  } catch (e) {
    relayError = explain(e);
  }
  return { info, me, held, orders, books, relayError };
}

const LIVE = new Set(["open", "partial"]);

function SessionPage(props: {
  runner: ContractRunner;
  signer?: Signer;
  account?: string;
  address: string;
  track: Track;
}) {
  const { runner, signer, account, address, track } = props;
  const [data, setData] = useState<SessionData | undefined>();
  const [err, setErr] = useState("");
  const [tick, setTick] = useState(0);
  const [live, setLive] = useState(false);
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    let stale = false;
    loadData(runner, address, account).then(
      (d) => !stale && (setData(d), setErr("")),
      (e: unknown) => !stale && setErr(explain(e)),
    );
    return () => {
      stale = true;
    };
  }, [runner, address, account, tick]);

  useEffect(() => {
    const stop = watch(address.toLowerCase(), account?.toLowerCase(), () => {
      setLive(true);
      refresh();
    });
    const timer = setInterval(refresh, 15_000); // chain time and prices move without relay events
    return () => {
      stop();
      clearInterval(timer);
    };
  }, [address, account, refresh]);

  if (err !== "") return <p class="banner error">{err}</p>;
  if (data === undefined) return <p class="muted">Loading session {address}…</p>;
  const { info, me } = data;
  const trading = info.status === "open" && info.now >= info.t1 && info.now < info.t2;
  const mine = data.orders.filter(
    (o) => account !== undefined && o.order.maker.toLowerCase() === account.toLowerCase(),
  );
  const takeable = data.orders.filter(
    (o) =>
      LIVE.has(o.status) &&
      (account === undefined || o.order.maker.toLowerCase() !== account.toLowerCase()) &&
      (o.order.taker === ZeroAddress || o.order.taker.toLowerCase() === account?.toLowerCase()),
  );

  return (
    <div data-testid="session-page">
      <section class="card">
        <h2>
          {info.kind} session <code>{short(info.address)}</code>{" "}
          <span class={`pill ${trading ? "ok" : ""}`} data-testid="phase">
            {info.phase}
          </span>
        </h2>
        <div class="grid4">
          <div>
            <div class="label">Chain time</div>
            {isoTime(info.now)}
          </div>
          <div>
            <div class="label">Subscriptions close (t1)</div>
            {isoTime(info.t1)}
          </div>
          <div>
            <div class="label">Trading closes (t2)</div>
            {isoTime(info.t2)}
          </div>
          <div>
            <div class="label">Fixing deadline · claims until</div>
            {isoTime(info.fallbackDeadline)} · {isoTime(info.claimDeadline)}
          </div>
          <div>
            <div class="label">Status · mode · participation</div>
            {info.status} · {info.mode} · {info.participation}
          </div>
          <div>
            <div class="label">Fees</div>
            taker {info.takerFeeBps.toString()} bps · maker {info.makerFeeBps.toString()} bps
          </div>
          <div>
            <div class="label">Shares in the pool</div>
            {info.totalShares.toString()}
          </div>
          <div>
            <div class="label">Relay</div>
            {data.relayError === "" ? (
              <span data-testid="relay-state">{live ? "live (WebSocket)" : "connected"}</span>
            ) : (
              <span class="error">{data.relayError}</span>
            )}
          </div>
        </div>
      </section>

      <Legs data={data} />

      {data.books.length === 0 && data.relayError === "" && (
        <section class="card">
          <h3>Book</h3>
          <p class="muted" data-testid="book-empty">
            No open orders in the book. Sign one below: it appears here for everyone as soon as the relay accepts it.
          </p>
        </section>
      )}
      {data.books.map((b) => (
        <BookView key={b.pair} book={b} info={info} />
      ))}

      <TakeList
        orders={takeable}
        info={info}
        signer={signer}
        trading={trading}
        me={me}
        track={track}
        refresh={refresh}
      />
      {signer !== undefined && me !== undefined && (
        <OrderEntry info={info} me={me} signer={signer} track={track} refresh={refresh} trading={trading} />
      )}
      {signer !== undefined && me !== undefined && (
        <MyOrders orders={mine} info={info} me={me} signer={signer} track={track} refresh={refresh} />
      )}
      {signer === undefined && <p class="banner">Connect a wallet on the right network to trade.</p>}
    </div>
  );
}

function Legs({ data }: { data: SessionData }) {
  const { info, me, held } = data;
  let pnl = 0n; // quote units, WAD
  if (me !== undefined)
    info.legs.forEach((l, k) => {
      if (l.latestPrice !== undefined)
        pnl += ((me.allocation[k] - me.baseline[k]) * l.latestPrice) / 10n ** BigInt(l.decimals);
    });
  return (
    <section class="card">
      <h3>Legs, pool and my allocation</h3>
      <table data-testid="legs">
        <thead>
          <tr>
            <th>Leg</th>
            <th class="num">Unit / share</th>
            <th class="num">Latest price</th>
            <th class="num">Settlement</th>
            <th class="num">Pool (shares × unit)</th>
            {info.kind === "physical" && <th class="num">Held by the session</th>}
            {me !== undefined && <th class="num">My allocation</th>}
            {me !== undefined && <th class="num">My baseline</th>}
            {me !== undefined && <th class="num">Change</th>}
          </tr>
        </thead>
        <tbody>
          {info.legs.map((l, k) => {
            const pool = info.totalShares * l.unit;
            const d = me === undefined ? 0n : me.allocation[k] - me.baseline[k];
            return (
              <tr key={k}>
                <td>
                  <b>{l.symbol}</b> <span class="muted">#{k}</span>
                </td>
                <td class="num">{fmt(l.unit, l.decimals)}</td>
                <td class="num">{l.latestPrice === undefined ? "—" : fmt(l.latestPrice, 18, 4)}</td>
                <td class="num">{l.settlementPrice === 0n ? "—" : fmt(l.settlementPrice, 18, 4)}</td>
                <td class="num">{fmt(pool, l.decimals)}</td>
                {info.kind === "physical" && (
                  <td class={`num ${held[k] >= pool ? "" : "error"}`}>
                    {fmt(held[k], l.decimals)} {held[k] >= pool ? "✓" : "✗"}
                  </td>
                )}
                {me !== undefined && (
                  <td class="num" data-testid={`alloc-${k}`}>
                    {fmt(me.allocation[k], l.decimals)}
                  </td>
                )}
                {me !== undefined && <td class="num">{fmt(me.baseline[k], l.decimals)}</td>}
                {me !== undefined && (
                  <td class={`num ${d > 0n ? "up" : d < 0n ? "down" : ""}`}>{fmt(d, l.decimals)}</td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {me !== undefined && (
        <div class="row">
          <AllocationChart info={info} me={me} />
          <p class="muted">
            {me.shares.toString()} shares
            {info.kind === "cash"
              ? ` · deposit ${fmt(me.deposit, info.collateralDecimals)} ${info.collateralSymbol}`
              : ""}
            {" · "}P&amp;L at the latest feed prices:{" "}
            <b class={pnl > 0n ? "up" : pnl < 0n ? "down" : ""} data-testid="pnl">
              {fmt(pnl, 18, 2)}
            </b>{" "}
            (quote units) · nonce floor {me.nonceFloor.toString()}
            <br />
            The pool is conserved: every trade moves allocation between accounts, so the allocations of all accounts add
            up to shares × unit in every leg{info.kind === "physical" ? ", and the session holds those tokens" : ""}.
          </p>
        </div>
      )}
    </section>
  );
}

function pairLegs(pair: string): [number, number] {
  const [i, j] = pair.split("-").map(Number);
  return [i, j];
}

function BookView({ book, info }: { book: Book; info: SessionInfo }) {
  const [i, j] = pairLegs(book.pair);
  const li = info.legs[i];
  const lj = info.legs[j];
  const row = (side: "bid" | "ask") => (l: Book["bids"][number]) => (
    <tr key={side + l.priceWad} class={side}>
      <td class="num">{fmt(humanPrice(BigInt(l.priceWad), li.decimals, lj.decimals), 18)}</td>
      <td class="num" data-testid="size">
        {fmt(BigInt(l.size), li.decimals)}
      </td>
      <td class="num">{l.orders}</td>
    </tr>
  );
  return (
    <section class="card" data-testid={`book-${book.pair}`}>
      <h3>
        Book {li.symbol} / {lj.symbol}{" "}
        <span class="muted">
          (price in {lj.symbol} per {li.symbol}, size in {li.symbol})
        </span>
      </h3>
      <div class="row">
        <table class="book">
          <thead>
            <tr>
              <th class="num">Bid</th>
              <th class="num">Size</th>
              <th class="num">Orders</th>
            </tr>
          </thead>
          <tbody data-testid="bids">
            {book.bids.length === 0 ? (
              <tr>
                <td colSpan={3} class="muted">
                  no bids
                </td>
              </tr>
            ) : (
              book.bids.map(row("bid"))
            )}
          </tbody>
        </table>
        <table class="book">
          <thead>
            <tr>
              <th class="num">Ask</th>
              <th class="num">Size</th>
              <th class="num">Orders</th>
            </tr>
          </thead>
          <tbody data-testid="asks">
            {book.asks.length === 0 ? (
              <tr>
                <td colSpan={3} class="muted">
                  no asks
                </td>
              </tr>
            ) : (
              book.asks.map(row("ask"))
            )}
          </tbody>
        </table>
        <DepthChart book={book} di={li.decimals} dj={lj.decimals} />
      </div>
    </section>
  );
}

/** What a fill of `fractionWad` moves, per leg of the order, from the taker's side, and the taker fee. */
function preview(o: RelayOrder, info: SessionInfo, fractionWad: bigint) {
  const mask = BigInt(o.order.legs);
  const out: Array<{ leg: number; symbol: string; decimals: number; taker: bigint; fee: bigint }> = [];
  let n = 0;
  for (let k = 0; k < info.legs.length; k++) {
    if (((mask >> BigInt(k)) & 1n) === 0n) continue;
    const maker = amountAt(BigInt(o.order.amounts[n++]), fractionWad);
    const taker = -maker;
    // physical: the taker fee is taken in the leg the taker receives (docs/sessions.md "Rules")
    const fee = info.kind === "physical" && taker > 0n ? (taker * info.takerFeeBps) / 10_000n : 0n;
    out.push({ leg: k, symbol: info.legs[k].symbol, decimals: info.legs[k].decimals, taker, fee });
  }
  return out;
}

function describe(o: RelayOrder, info: SessionInfo): string {
  const mask = BigInt(o.order.legs);
  const parts: string[] = [];
  let n = 0;
  for (let k = 0; k < info.legs.length; k++) {
    if (((mask >> BigInt(k)) & 1n) === 0n) continue;
    const a = BigInt(o.order.amounts[n++]);
    parts.push(`${a < 0n ? "gives" : "gets"} ${fmt(a < 0n ? -a : a, info.legs[k].decimals)} ${info.legs[k].symbol}`);
  }
  return parts.join(", ");
}

function TakeList(props: {
  orders: RelayOrder[];
  info: SessionInfo;
  signer?: Signer;
  trading: boolean;
  me?: AccountInfo;
  track: Track;
  refresh: () => void;
}) {
  const { orders, info, signer, trading, track, refresh } = props;
  // the order as it was when the panel opened: it stays on screen even if the relay drops it meanwhile (the fill
  // then reverts and the decoded reason is shown)
  const [chosen, setChosen] = useState<RelayOrder | undefined>();
  const [fraction, setFraction] = useState("1");
  const [busy, setBusy] = useState(false);
  let fractionWad: bigint | undefined;
  let fracErr = "";
  try {
    fractionWad = parseFraction(fraction, "fraction");
  } catch (e) {
    fracErr = explain(e);
  }
  const remainingWad = chosen === undefined ? WAD : WAD - BigInt(chosen.filledWad);
  return (
    <section class="card" data-testid="take">
      <h3>Orders you can fill</h3>
      {orders.length === 0 ? (
        <p class="muted" data-testid="no-takeable">
          None right now.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Maker</th>
              <th>The maker…</th>
              <th>Status</th>
              <th class="num">Filled</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.digest} data-testid="takeable">
                <td>
                  <code>{short(o.order.maker)}</code>
                </td>
                <td>{describe(o, info)}</td>
                <td>{o.status}</td>
                <td class="num">{fmt(BigInt(o.filledWad) * 100n, 18, 2)}%</td>
                <td>{isoTime(BigInt(o.order.expiry))}</td>
                <td>
                  {signer !== undefined && trading && (
                    <button data-testid="fill-open" onClick={() => setChosen(o)}>
                      Fill…
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen !== undefined && signer !== undefined && (
        <div class="panel" data-testid="fill-panel">
          <label>
            Fraction of the whole order to fill (0 to 1; {fmt(remainingWad, 18, 4)} left){" "}
            <input value={fraction} onInput={(e) => setFraction(e.currentTarget.value)} data-testid="fill-fraction" />
          </label>
          {fracErr !== "" ? (
            <p class="error">{fracErr}</p>
          ) : (
            fractionWad !== undefined && (
              <div data-testid="fill-preview">
                <p>
                  <b>Preview</b> (you are the taker):
                </p>
                <ul>
                  {preview(chosen, info, fractionWad).map((p) => (
                    <li key={p.leg}>
                      {p.taker < 0n ? "You give " : "You receive "}
                      <b>
                        {fmt(p.taker < 0n ? -p.taker : p.taker, p.decimals)} {p.symbol}
                      </b>
                      {p.fee > 0n && (
                        <span>
                          {" "}
                          minus the taker fee ≈ {fmt(p.fee, p.decimals)} {p.symbol} ({info.takerFeeBps.toString()} bps)
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
                {info.kind !== "physical" && (
                  <p class="muted">
                    Taker fee: {info.takerFeeBps.toString()} bps of the received amount at the cap, from your deposit.
                  </p>
                )}
              </div>
            )
          )}
          <button
            disabled={busy || fractionWad === undefined}
            data-testid="fill-confirm"
            onClick={() => {
              if (fractionWad === undefined) return;
              setBusy(true);
              void track(
                `Fill ${fraction} of ${short(chosen.digest)}`,
                () => fillOrder(signer, toOrderFile(chosen), fractionWad),
                (r) =>
                  `filled to ${fmt(r.filledAfterWad * 100n, 18, 2)}% in ${short(r.txHash)}: ` +
                  r.legs.map((l) => `${fmt(l.takerDelta, l.decimals)} ${l.symbol}`).join(", "),
              ).then(() => {
                setBusy(false);
                setChosen(undefined);
                refresh();
              });
            }}
          >
            Send fill transaction
          </button>{" "}
          <button class="secondary" onClick={() => setChosen(undefined)}>
            Close
          </button>
        </div>
      )}
    </section>
  );
}

/** The feeds' rate of leg j per leg i as a decimal string (6 significant places), or "1" without prices. */
function defaultRate(info: SessionInfo, i: number, j: number): string {
  const pi = info.legs[i]?.latestPrice;
  const pj = info.legs[j]?.latestPrice;
  if (pi === undefined || pj === undefined || pj === 0n) return "1";
  return formatAmount(((pi * WAD) / pj / 10n ** 12n) * 10n ** 12n, 18);
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

function OrderEntry(props: {
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
          const file = await signOrder(signer, {
            session: info.address,
            legs: [i, j],
            amounts,
            taker: taker.trim() === "" ? undefined : taker.trim(),
            expiryHours: Number(expiry),
          });
          return await postOrder(file);
        } catch (e) {
          failure = explain(e); // shown next to the form as well as in the log
          if (e instanceof RelayError && e.code === "unfundable") {
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
      </div>
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
            ; maker fee {info.makerFeeBps.toString()} bps, expires {expiry} h after chain time.
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

function MyOrders(props: {
  orders: RelayOrder[];
  info: SessionInfo;
  me: AccountInfo;
  signer: Signer;
  track: Track;
  refresh: () => void;
}) {
  const { orders, info, me, signer, track, refresh } = props;
  const liveCount = orders.filter((o) => LIVE.has(o.status) || o.status === "unfundable").length;
  return (
    <section class="card" data-testid="my-orders">
      <h3>
        My orders{" "}
        <button
          class="secondary"
          disabled={liveCount === 0}
          data-testid="cancel-all"
          onClick={() =>
            void track(
              "Cancel all (raise nonce floor)",
              () => cancelAll(signer, info.address, me.nonceFloor + 1n),
              (r) => `nonce floor ${r.previous} → ${r.floor} in ${short(r.txHash)}`,
            ).then(refresh)
          }
        >
          Cancel all
        </button>
      </h3>
      {orders.length === 0 ? (
        <p class="muted">You have no orders at the relay in this session.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Order</th>
              <th>I…</th>
              <th>Status</th>
              <th class="num">Filled</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.digest} data-testid="my-order">
                <td>
                  <code>{short(o.digest)}</code>
                </td>
                <td>{describe(o, info).replace(/gives/g, "give").replace(/gets/g, "get")}</td>
                <td data-testid="my-order-status">
                  {o.status}
                  {o.reason !== "" && <span class="muted"> ({o.reason})</span>}
                </td>
                <td class="num" data-testid="my-order-filled">
                  {fmt(BigInt(o.filledWad) * 100n, 18, 2)}%
                </td>
                <td>
                  {(LIVE.has(o.status) || o.status === "unfundable") && (
                    <button
                      class="secondary"
                      data-testid="cancel"
                      onClick={() =>
                        void track(
                          `Cancel ${short(o.digest)}`,
                          () => cancelOrder(signer, toOrderFile(o)),
                          (r) => `cancelled in ${short(r.txHash)}`,
                        ).then(refresh)
                      }
                    >
                      Cancel
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

render(<App />, document.getElementById("root") as HTMLElement);
