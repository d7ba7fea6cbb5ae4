/** The wallet widgets of the header: the connected account (or a connect button per wallet) and the wrong-network banner. */
import { switchChain, walletChainId, type WalletEntry } from "../wallet.js";
import { explain } from "./explain.js";
import { short } from "./format.js";

/** The connected wallet, account and chain; or a connect button per discovered wallet; or how to get one. */
export function WalletStatus(props: {
  wallets: WalletEntry[];
  wallet?: WalletEntry;
  account?: string;
  chainId?: number;
  connect: (w: WalletEntry) => void;
}) {
  const { wallets, wallet, account, chainId, connect } = props;
  return (
    <div class="wallet" data-testid="wallet">
      {account !== undefined ? (
        <span>
          <span class="dot ok" /> {wallet?.name} · <code data-testid="account">{short(account)}</code> · chain {chainId}
        </span>
      ) : wallets.length === 0 ? (
        <span class="muted">No wallet found (install one that supports EIP-6963 or window.ethereum)</span>
      ) : (
        wallets.map((w) => (
          <button key={w.uuid} onClick={() => connect(w)} data-testid="connect">
            Connect {w.name}
          </button>
        ))
      )}
    </div>
  );
}

/** The banner shown while the wallet is on another chain, with a switch button (EIP-3326). */
export function WrongNetwork(props: {
  wallet: WalletEntry;
  chainId: number;
  want: number;
  onSwitched: (chainId: number) => void;
  onError: (message: string) => void;
}) {
  const { wallet, chainId, want, onSwitched, onError } = props;
  return (
    <div class="banner warn" data-testid="wrong-network">
      Your wallet is on chain {chainId}; this app trades on chain {want}.{" "}
      <button
        data-testid="switch-network"
        onClick={() =>
          void switchChain(wallet.provider, want)
            .then(() => walletChainId(wallet.provider))
            .then(onSwitched, (e: unknown) => onError(explain(e)))
        }
      >
        Switch network
      </button>
    </div>
  );
}
