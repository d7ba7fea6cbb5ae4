/** Units of a root as the markets pages print them: outcomes in the root's decimals, prices, collateral; reverts in tokens. */
import { decodeError } from "../../../sdk/errors.js";
import { MARKET_ABIS, type RootInfo } from "../../../sdk/markets/index.js";
import { TICKS } from "../../../sdk/markets/typedData.js";
import { fmt } from "../ui/format.js";

/** Collateral units one contract pays at the top of its market: TICKS * unitScale. */
export const unitOf = (info: Pick<RootInfo, "unitScale">): bigint => BigInt(TICKS) * info.unitScale;

/** An outcome in the root's outcome units as a human number. */
export const outcome = (info: Pick<RootInfo, "decimals">, x: bigint): string => fmt(x, info.decimals, info.decimals);

/** A price tick as a price (45 -> "0.45"). */
export const price = (tick: number): string => (tick / TICKS).toFixed(2);

/** Collateral units with the token's symbol. */
export const money = (info: Pick<RootInfo, "collateral">, v: bigint): string =>
  `${fmt(v, info.collateral.decimals)} ${info.collateral.symbol}`;

/**
 * A revert whose decoded arguments are raw collateral units, restated in tokens (the SDK's sentence gives
 * units); any other failure unchanged. Used as `.catch(inTokens(info))` around a market transaction.
 */
export const inTokens =
  (info: Pick<RootInfo, "collateral">) =>
  (e: unknown): never => {
    const d = decodeError(e, MARKET_ABIS);
    const a = d?.args as Record<string, bigint> | undefined;
    if (d?.name === "InsufficientCollateral" && a !== undefined)
      throw new Error(
        `InsufficientCollateral: your cash ${money(info, a.cash)} and the worst case of your positions and orders ${money(info, a.sumWorst)} leave you short by ${money(info, a.shortfall)}: deposit more or trade smaller.`,
      );
    if (d?.name === "InsufficientCash" && a !== undefined)
      throw new Error(
        `InsufficientCash: your cash is ${money(info, a.cash)}; you cannot withdraw ${money(info, a.amount)}.`,
      );
    throw e;
  };
