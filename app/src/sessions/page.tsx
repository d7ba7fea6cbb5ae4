/**
 * One session's page: windows, status and fees, the legs with the pool and my allocation, subscribing before
 * t1, claiming after settlement, my margin on a margin session, the relay's books (refreshed on every WebSocket
 * push), the orders I can fill, order entry and my orders.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import { Contract, ZeroAddress, type ContractRunner, type Provider, type Signer } from "ethers";

import { isoTime } from "../../../sdk/input.js";
import { accountInfo, ERC20_ABI, loadSession, type AccountInfo, type SessionInfo } from "../sdk.js";
import { listOrders, readBooks, watch, type Book, type RelayOrder } from "../relay.js";
import { explain } from "../ui/explain.js";
import { fmt, short } from "../ui/format.js";
import type { Track } from "../ui/txlog.js";
import { AllocationChart, AllocationHistoryChart } from "./charts.js";
import { allocationHistory, type AllocationHistory } from "./history.js";
import { BookView } from "./book.js";
import { ClaimPanel, MarginPanel, SubscribePanel } from "./lifecycle.js";
import { LIVE, MyOrders } from "./myOrders.js";
import { OrderEntry } from "./orderEntry.js";
import { TakeList } from "./take.js";

interface SessionData {
  info: SessionInfo;
  me?: AccountInfo;
  /** My allocation after each event that moved it (undefined without a wallet, or when it could not be read). */
  history?: AllocationHistory;
  /** Tokens the session contract holds per leg (physical), for the conservation line. */
  held: bigint[];
  orders: RelayOrder[];
  books: Book[];
  relayError: string;
}

async function loadData(runner: ContractRunner, address: string, account?: string): Promise<SessionData> {
  const info = await loadSession(runner, address);
  const me = account === undefined ? undefined : await accountInfo(runner, info, account);
  const provider = ("getLogs" in runner ? runner : runner.provider) as Provider | null;
  let history: AllocationHistory | undefined;
  if (me !== undefined && provider !== null)
    history = await allocationHistory(provider, info, me).catch(() => undefined); // a chart only: never blocks the page
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
  return { info, me, history, held, orders, books, relayError };
}

export function SessionPage(props: {
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

      {signer !== undefined && me !== undefined && info.status === "open" && info.now < info.t1 && (
        <SubscribePanel info={info} me={me} signer={signer} track={track} refresh={refresh} />
      )}
      {signer !== undefined && me !== undefined && info.status !== "open" && (
        <ClaimPanel info={info} me={me} signer={signer} track={track} refresh={refresh} />
      )}
      {info.kind === "margin" && account !== undefined && (
        <MarginPanel info={info} runner={runner} account={account} tick={tick} />
      )}

      {info.status !== "open" && (
        <p class="banner" data-testid="trading-over">
          Trading is over: the session is {info.status}. Orders can no longer be filled; claim above.
        </p>
      )}
      {info.status === "open" && data.books.length === 0 && data.relayError === "" && (
        <section class="card">
          <h3>Book</h3>
          <p class="muted" data-testid="book-empty">
            No open orders in the book. Sign one below: it appears here for everyone as soon as the relay accepts it.
          </p>
        </section>
      )}
      {info.status === "open" && data.books.map((b) => <BookView key={b.pair} book={b} info={info} />)}

      {info.status === "open" && (
        <TakeList
          orders={takeable}
          info={info}
          signer={signer}
          trading={trading}
          me={me}
          track={track}
          refresh={refresh}
        />
      )}
      {signer !== undefined && me !== undefined && info.status === "open" && (
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
          {data.history !== undefined && <AllocationHistoryChart info={info} me={me} history={data.history} />}
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
