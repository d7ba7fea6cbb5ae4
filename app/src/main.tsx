/**
 * The Ringfence web trading app (docs/app.md): wallet discovery and the network check, and a small hash router
 * over the pages. Sessions (app/src/sessions/): the session list, and a session's page with its legs, pool, my
 * allocation, the relay's book (HTTP + WebSocket), order entry signed in the wallet with `eth_signTypedData_v4`,
 * fills with a preview, cancel and cancel-all. Markets (app/src/markets/): the roots, a root's tree of markets,
 * each market's on-chain book with depth, place and take with the collateral the order locks shown before the
 * wallet signs, deposit and withdraw, positions with the payoff chart, redemption. Shared widgets: app/src/ui/. Every chain read and write
 * goes through the SDK; every revert is shown decoded by it.
 */
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { BrowserProvider, JsonRpcProvider, type ContractRunner, type Signer } from "ethers";

import { RootList } from "./markets/list.js";
import { RootPage } from "./markets/page.js";
import { SessionList } from "./sessions/list.js";
import { SessionPage } from "./sessions/page.js";
import { explain } from "./ui/explain.js";
import { TxLog, useTxLog } from "./ui/txlog.js";
import { WalletStatus, WrongNetwork } from "./ui/wallet.js";
import { discoverWallets, walletChainId, type WalletEntry } from "./wallet.js";

interface AppConfig {
  chainId: number;
  factory: string;
  markets: string;
}

/** The page a location hash names. */
type Route =
  | { page: "sessions" }
  | { page: "session"; address: string }
  | { page: "markets" }
  | { page: "root"; rootId: bigint; branchId: number };

/** `#/`, `#/session/0x…`, `#/markets`, `#/markets/<root>` and `#/markets/<root>/<branch>`. */
function parseRoute(hash: string): Route {
  const session = /^#\/session\/(0x[0-9a-fA-F]{40})/.exec(hash);
  if (session !== null) return { page: "session", address: session[1] };
  const root = /^#\/markets\/(\d+)(?:\/(\d+))?/.exec(hash);
  if (root !== null) return { page: "root", rootId: BigInt(root[1]), branchId: Number(root[2] ?? "1") };
  if (hash.startsWith("#/markets")) return { page: "markets" };
  return { page: "sessions" };
}

function App() {
  const [config, setConfig] = useState<AppConfig | undefined>();
  const [wallets, setWallets] = useState<WalletEntry[]>([]);
  const [wallet, setWallet] = useState<WalletEntry | undefined>();
  const [account, setAccount] = useState<string | undefined>();
  const [chainId, setChainId] = useState<number | undefined>();
  const [signer, setSigner] = useState<Signer | undefined>();
  const [route, setRoute] = useState(location.hash);
  const { txs, track } = useTxLog();
  const [error, setError] = useState("");

  useEffect(() => {
    void fetch("/config.json")
      .then((r) => r.json() as Promise<AppConfig>)
      .then((c) => {
        const q = new URLSearchParams(location.search);
        setConfig({
          chainId: Number(q.get("chainId") ?? c.chainId),
          factory: q.get("factory") ?? c.factory,
          markets: q.get("markets") ?? c.markets ?? "",
        });
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

  const wrongChain =
    wallet !== undefined && config !== undefined && chainId !== undefined && chainId !== config.chainId;
  const r = parseRoute(route);
  const onMarkets = r.page === "markets" || r.page === "root";

  return (
    <div class="page">
      <header class="top">
        <nav class="nav">
          <a href="#/" class="brand">
            Ringfence
          </a>
          <a href="#/" class={onMarkets ? "" : "here"} data-testid="sessions-link">
            Sessions
          </a>
          <a href="#/markets" class={onMarkets ? "here" : ""} data-testid="markets-link">
            Markets
          </a>
        </nav>
        <WalletStatus
          wallets={wallets}
          wallet={wallet}
          account={account}
          chainId={chainId}
          connect={(w) => void connect(w)}
        />
      </header>
      {wrongChain && (
        <WrongNetwork
          wallet={wallet}
          chainId={chainId}
          want={config.chainId}
          onSwitched={setChainId}
          onError={setError}
        />
      )}
      {error !== "" && (
        <div class="banner error" data-testid="error">
          {error}
        </div>
      )}
      {config !== undefined && runner !== undefined && (
        <main>
          {r.page === "sessions" && <SessionList runner={runner} factory={config.factory} />}
          {r.page === "session" && (
            <SessionPage
              key={r.address}
              runner={runner}
              signer={signer}
              account={account}
              address={r.address}
              track={track}
            />
          )}
          {r.page === "markets" && rpc !== undefined && <RootList rpc={rpc} markets={config.markets} />}
          {r.page === "root" && rpc !== undefined && (
            <RootPage
              key={`${config.markets}/${r.rootId}`}
              rpc={rpc}
              markets={config.markets}
              rootId={r.rootId}
              branchId={r.branchId}
              signer={signer}
              account={account}
              track={track}
            />
          )}
        </main>
      )}
      <TxLog txs={txs} />
    </div>
  );
}

render(<App />, document.getElementById("root") as HTMLElement);
