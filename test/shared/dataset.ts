/**
 * The trading history the data-set suites index (test/cli/keeper-data.ts, test/sdk/postgres-server.ts): in a
 * physical session three subscribers (one redeems a share), an order filled a third and then in full, and a
 * match; in a cash session two subscribers and a half fill. Every kind of event the projection reads, fees
 * included.
 */
import { fillOrder, matchOrders, signOrder, subscribe } from "../../sdk/sessions/client.js";
import { subscribeCash, WAD, type Base } from "../sessions/fixtures.js";

export async function tradeDataSet(
  b: Base,
  s: { physical: string; cash: string },
  t1: bigint,
  /** Runs after the subscriptions, before the clock moves to t1 (e.g. to subscribe to another session). */
  beforeTrading: () => Promise<void> = async () => {},
): Promise<void> {
  const factory = await b.factory.getAddress();
  const { physical, cash } = s;
  const [alice, bob, carol] = [b.alice, b.bob, b.carol];
  for (const who of [alice, bob, carol]) {
    await b.tokens[0].mint(who.address, 50n * WAD);
    await b.tokens[1].mint(who.address, 50n * 10n ** 6n);
  }
  await subscribe(alice, physical, 10n, factory);
  await subscribe(bob, physical, 6n, factory);
  await subscribe(carol, physical, 4n, factory);
  await (await (await b.ethers.getContractAt("PhysicalSession", physical)).connect(carol).redeem(1n)).wait();
  const cashSession = await b.ethers.getContractAt("CashSession", cash);
  await subscribeCash(b, cashSession, alice, 3n);
  await subscribeCash(b, cashSession, bob, 2n);
  await beforeTrading();

  await b.networkHelpers.time.increaseTo(t1);
  const order = (who: typeof alice, session: string, amounts: string[]) =>
    signOrder(who, { session, legs: [0, 1], amounts, expiryHours: 50, factory });
  // physical: alice's order filled a third then the rest by bob, a match carol vs bob
  const o1 = await order(alice, physical, ["-3", "2.5"]);
  await fillOrder(bob, o1, WAD / 3n, factory);
  await fillOrder(bob, o1, WAD, factory);
  await matchOrders(
    alice,
    await order(carol, physical, ["-1", "1"]),
    await order(bob, physical, ["1", "-1.5"]),
    WAD / 2n,
    factory,
  );
  // cash: alice sells 1 of leg 0 for 0.8 of leg 1, half filled by bob
  await fillOrder(bob, await order(alice, cash, ["-1", "0.8"]), WAD / 2n, factory);
}
