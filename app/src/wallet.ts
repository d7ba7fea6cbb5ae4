/**
 * Wallet discovery (EIP-6963, with `window.ethereum` as the fallback) and the network check. The app holds an
 * EIP-1193 provider; ethers' BrowserProvider wraps it for reads, transactions and `eth_signTypedData_v4`.
 */
import type { Eip1193Provider as SdkEip1193 } from "../../sdk/eip1193.js";

/** An EIP-1193 provider with the event methods wallets expose. */
export interface Eip1193 extends SdkEip1193 {
  on?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener?(event: string, listener: (...args: unknown[]) => void): void;
}

/** One wallet announced through EIP-6963 (or the injected `window.ethereum`). */
export interface WalletEntry {
  uuid: string;
  name: string;
  icon: string;
  rdns: string;
  provider: Eip1193;
}

interface AnnounceDetail {
  info: { uuid: string; name: string; icon: string; rdns: string };
  provider: Eip1193;
}

/**
 * Listens for EIP-6963 announcements and asks wallets to announce themselves; calls `onChange` with the full
 * list whenever it grows. After `fallbackMs` with no announcement, `window.ethereum` (if any) is listed.
 */
export function discoverWallets(onChange: (wallets: WalletEntry[]) => void, fallbackMs = 400): () => void {
  const found = new Map<string, WalletEntry>();
  const listener = (e: Event) => {
    const d = (e as CustomEvent<AnnounceDetail>).detail;
    if (d === undefined || d === null || typeof d.provider?.request !== "function") return;
    found.set(d.info.uuid, { ...d.info, provider: d.provider });
    onChange([...found.values()]);
  };
  window.addEventListener("eip6963:announceProvider", listener);
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  const timer = setTimeout(() => {
    const injected = (window as unknown as { ethereum?: Eip1193 }).ethereum;
    if (found.size === 0 && injected !== undefined && typeof injected.request === "function") {
      found.set("window.ethereum", {
        uuid: "window.ethereum",
        name: "Injected wallet (window.ethereum)",
        icon: "",
        rdns: "",
        provider: injected,
      });
      onChange([...found.values()]);
    }
  }, fallbackMs);
  return () => {
    clearTimeout(timer);
    window.removeEventListener("eip6963:announceProvider", listener);
  };
}

/** The wallet's chain id as a number. */
export async function walletChainId(p: Eip1193): Promise<number> {
  return Number(BigInt(String(await p.request({ method: "eth_chainId" }))));
}

/** Asks the wallet to switch to `chainId` (EIP-3326). */
export async function switchChain(p: Eip1193, chainId: number): Promise<void> {
  await p.request({ method: "wallet_switchEthereumChain", params: [{ chainId: "0x" + chainId.toString(16) }] });
}
