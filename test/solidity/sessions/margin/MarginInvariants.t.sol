// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {MockAggregator} from "../../../../contracts/mocks/MockAggregator.sol";
import {MockERC20} from "../../../../contracts/mocks/MockERC20.sol";
import {MockSplitToken} from "../../../../contracts/mocks/MockSplitToken.sol";
import {CashSession} from "../../../../contracts/sessions/CashSession.sol";
import {MarginModule} from "../../../../contracts/sessions/margin/MarginModule.sol";
import {MarginSession} from "../../../../contracts/sessions/margin/MarginSession.sol";
import {IMarginSession} from "../../../../contracts/sessions/margin/IMarginSession.sol";
import {PhysicalSession} from "../../../../contracts/sessions/PhysicalSession.sol";
import {SessionFactory} from "../../../../contracts/sessions/SessionFactory.sol";
import {SessionOracle} from "../../../../contracts/sessions/SessionOracle.sol";
import {SessionOrder} from "../../../../contracts/sessions/SessionOrderLib.sol";
import {FixingKind, FixingSpec} from "../../../../contracts/shared/oracle/OracleFixing.sol";
import {
    ActionKind,
    LegConfig,
    MarginConfig,
    Participation,
    SessionConfig,
    SessionKind,
    SettlementMode,
    Status
} from "../../../../contracts/sessions/SessionTypes.sol";

/// @notice Drives one 3-leg margin session (leg 0 cash at 1, legs 1 and 2 splittable equities at 100) with four
/// signing traders: value-priced two-leg fills that go short, oracle moves, liquidations, splits (the token's
/// own split first, the feed repriced), dividends, dividend claims and checkpoints. The handler is the
/// session's organiser. Reverts the rules expect (margin, concentration, nothing to claim) are caught;
/// a corporate action the organiser schedules but cannot execute is recorded and fails an invariant.
contract MarginHandler is Test {
    uint256 public constant N = 3;
    uint256 public constant ACTORS = 4;
    uint256 public constant CASH = 0;
    uint32 public constant DELAY = 1 hours;
    uint256 public constant MAX_SPLITS = 3;
    /// @notice The dispute bond, cash-leg units (100 USD).
    uint128 public constant BOND = 100e6;
    uint256 internal constant BPS = 10_000;

    MarginSession public session;
    /// @dev The module's functions, called at the session's address.
    MarginModule public module;
    address[N] public tokens;
    MockAggregator[N] public feeds;
    address public feeTo;
    uint256[ACTORS] internal pks = [uint256(0xA11CE), uint256(0xB0B), uint256(0xCA401), uint256(0xD0D)];
    address[ACTORS] public actors;
    uint256 internal salt;

    /// @notice Successful calls per action, to show the runs reach every action.
    uint256 public fills;
    uint256 public shortFills;
    uint256 public priceMoves;
    uint256 public liquidations;
    uint256 public splits;
    /// @notice Per leg, the tokens the basket is after the splits so far, floored split by split as the issuer
    /// floors the pool's balance (zero until the leg's first split).
    mapping(uint256 leg => uint256) public splitTokens;
    uint256 public dividends;
    /// @notice Legs closed by cash in lieu (a bit per leg).
    uint256 public closedLegs;
    uint256 public dividendClaims;
    /// @notice The fallback path: whether a proposal was made (and its prices), disputed, or finalised.
    bool public proposed;
    uint256[N] public proposedPrices;
    bool public disputed;
    bool public finalised;
    /// @notice Bonds forfeited by disputes and withdrawn by the fee recipient, cash-leg units.
    uint256 public bondsForfeited;
    uint256 public bondsWithdrawn;
    /// @notice Successful settlement claims per account, and sweeps.
    mapping(address account => uint256) public claimsOf;
    uint256 public claims;
    uint256 public sweeps;
    /// @notice Set when a scheduled action failed to execute (with the revert data): never expected.
    bool public actionFailed;
    bytes public actionError;

    constructor(SessionFactory factory, address feeRecipient) {
        feeTo = feeRecipient;
        uint8[N] memory decs = [6, 18, 8];
        tokens[0] = address(new MockERC20("USD", "USD", decs[0]));
        tokens[1] = address(new MockSplitToken("Equity A", "EQA", decs[1]));
        tokens[2] = address(new MockSplitToken("Equity B", "EQB", decs[2]));
        for (uint256 k; k < N; ++k) {
            feeds[k] = new MockAggregator(8, "feed");
            feeds[k].pushRound(k == CASH ? int256(1e8) : int256(100e8), block.timestamp);
        }
        session = MarginSession(payable(factory.createMarginSession(_config(decs), _marginConfig())));
        module = MarginModule(address(session));
        for (uint256 i; i < ACTORS; ++i) actors[i] = vm.addr(pks[i]);
        // One large holder makes the baskets deep (the concentration cap is a share of the basket); three small
        // ones (600 quote each) can lever up to the initial margin and be liquidated after a price move.
        _subscribe(0, 20);
        for (uint256 i = 1; i < ACTORS; ++i) _subscribe(i, 2);
    }

    function _config(uint8[N] memory decs) internal view returns (SessionConfig memory c) {
        LegConfig[] memory legs = new LegConfig[](N);
        for (uint256 k; k < N; ++k) {
            address[] memory f = new address[](1);
            f[0] = address(feeds[k]);
            FixingSpec memory spec = FixingSpec(FixingKind.FirstAfter, f, 30 days, 1 days, 0, 0, 0, address(0), 0);
            // One share: 100 cash units, one token of each equity.
            legs[k] = LegConfig(tokens[k], k == CASH ? 100 * 10 ** decs[k] : 10 ** decs[k], 0, 0, spec);
        }
        uint40 t = uint40(block.timestamp);
        c = SessionConfig(
            SessionKind.Margin,
            SettlementMode.ValueWeighted,
            legs,
            address(0),
            t + 6 hours,
            t + 60 days,
            t + 61 days,
            t + 62 days,
            10,
            5,
            feeTo,
            Participation.Open,
            bytes32(0),
            address(this),
            address(this)
        );
    }

    function _marginConfig() internal pure returns (MarginConfig memory m) {
        uint16[] memory shocks = new uint16[](N);
        (shocks[1], shocks[2]) = (2_500, 2_500);
        // Narrowing cast: CASH is 0.
        m = MarginConfig(uint8(CASH), 2_000, 1_000, 500, 5_000, shocks, 1 << 1, 1_000, DELAY, 1 days, BOND, 10);
    }

    function _subscribe(uint256 who, uint256 shares) internal {
        address a = actors[who];
        for (uint256 k; k < N; ++k) {
            (, , uint256 unit, , ) = session.leg(k);
            MockERC20(tokens[k]).mint(a, shares * unit);
            vm.prank(a);
            MockERC20(tokens[k]).approve(address(session), shares * unit);
        }
        vm.prank(a);
        session.subscribe(shares, new bytes32[](0));
    }

    // ------------------------------------------------------------------ helpers

    /// @notice Every account that can hold an allocation: the four traders (who are also the liquidators) and
    /// the fee recipient.
    function accounts() external view returns (address[] memory a) {
        a = new address[](ACTORS + 1);
        for (uint256 i; i < ACTORS; ++i) a[i] = actors[i];
        a[ACTORS] = feeTo;
    }

    function _price(uint256 k) internal view returns (int256 answer) {
        (, answer, , , ) = feeds[k].latestRoundData();
    }

    /// @dev Value of one session unit of leg k at the latest price, 1e36 quote units (as the session computes it).
    function _unitValue(uint256 k) internal view returns (uint256) {
        (uint256 num, uint256 den, , , ) = module.legState(k);
        // Safe cast: answers are kept positive.
        return (uint256(_price(k)) * 1e10 * 10 ** (18 - MockERC20(tokens[k]).decimals()) * num) / den;
    }

    /// @dev Moves time forward and re-publishes every feed's latest answer at the new time (prices stay fresh).
    function _warpFresh(uint256 secs) internal {
        vm.warp(block.timestamp + secs);
        for (uint256 k; k < N; ++k) feeds[k].pushRound(_price(k), block.timestamp);
    }

    function _sign(uint256 who, SessionOrder memory o) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pks[who], session.hashOrder(o));
        return abi.encodePacked(r, s, v);
    }

    function _shortCount() internal view returns (uint256) {
        return module.shortAccounts().length;
    }

    // ------------------------------------------------------------------ actions

    /// @notice A trader signs a two-leg order giving `value` quote (1 to 1,500) of one leg for about the same
    /// value (95% to 105%) of another, at the latest prices; another trader fills a fraction of it. Small
    /// traders go short quickly; the margin and concentration checks reject the excess.
    function fill(
        uint256 makerSeed,
        uint256 takerSeed,
        uint256 pairSeed,
        uint256 value,
        uint256 rateBps,
        bool flip,
        uint256 fraction
    ) external {
        uint256 mi = makerSeed % ACTORS;
        address taker = actors[(mi + 1 + (takerSeed % (ACTORS - 1))) % ACTORS];
        (bool ok, SessionOrder memory o) = _order(mi, pairSeed % 3, value, rateBps, flip);
        if (!ok) return;
        bytes memory sig = _sign(mi, o);
        vm.prank(taker);
        try session.fill(o, sig, bound(fraction, 1e16, 1e18)) {
            ++fills;
            if (_shortCount() != 0) ++shortFills;
        } catch {}
    }

    /// @dev The order of {fill}: maker `mi` gives `value` quote of one leg of the pair for `rateBps` of it in the
    /// other. `ok` is false when an amount rounds to zero.
    function _order(
        uint256 mi,
        uint256 pair,
        uint256 value,
        uint256 rateBps,
        bool flip
    ) internal returns (bool ok, SessionOrder memory o) {
        (uint256 legs, int256[] memory amounts) = _amounts(pair, value, rateBps, flip);
        if (legs == 0) return (false, o);
        address maker = actors[mi];
        o = SessionOrder(
            maker,
            address(0),
            legs,
            amounts,
            50,
            block.timestamp + 1 days,
            session.minNonce(maker),
            ++salt
        );
        ok = true;
    }

    /// @dev Amounts in ascending leg order at the latest prices; `legs == 0` when one rounds to zero.
    function _amounts(
        uint256 pair,
        uint256 value,
        uint256 rateBps,
        bool flip
    ) internal view returns (uint256 legs, int256[] memory amounts) {
        (uint256 lo, uint256 hi) = pair == 0
            ? (0, 1)
            : pair == 1
                ? (1, 2)
                : (0, 2);
        uint256 v = bound(value, 1, 1_500) * 1e36;
        uint256 giveAmt = v / _unitValue(flip ? hi : lo);
        uint256 getAmt = (v * bound(rateBps, 9_500, 10_500)) / BPS / _unitValue(flip ? lo : hi);
        amounts = new int256[](2);
        if (giveAmt == 0 || getAmt == 0) return (0, amounts);
        // Safe casts: at most 1,500 quote of any leg, far below 2^127.
        (amounts[0], amounts[1]) = flip ? (int256(getAmt), -int256(giveAmt)) : (-int256(giveAmt), int256(getAmt));
        legs = (1 << lo) | (1 << hi);
    }

    /// @notice Leg 1 or 2 moves by -30% to +40% (kept between 0.01 and 10,000 quote), published now.
    function movePrice(uint256 legSeed, uint256 moveBps) external {
        uint256 k = 1 + (legSeed % 2);
        int256 next = (_price(k) * int256(bound(moveBps, 7_000, 14_000))) / int256(BPS);
        if (next < 1e6) next = 1e6;
        if (next > 10_000e8) next = 10_000e8;
        feeds[k].pushRound(next, block.timestamp);
        ++priceMoves;
    }

    /// @notice A trader tries to liquidate one of the short accounts (NotLiquidatable and the liquidator's own
    /// margin are expected reverts).
    function liquidate(uint256 liqSeed, uint256 targetSeed) external {
        address[] memory shorts = module.shortAccounts();
        if (shorts.length == 0) return;
        address target = shorts[targetSeed % shorts.length];
        address liq = actors[liqSeed % ACTORS];
        if (liq == target) liq = actors[(liqSeed + 1) % ACTORS];
        vm.prank(liq);
        try session.liquidate(target) {
            ++liquidations;
        } catch {}
    }

    /// @notice A split (2:1, 1:2, 3:1 or 1:3) of leg 1 or 2: scheduled, and after the delay the issuer splits the
    /// token, the feed reprices per token by den/num, and the organiser executes it. At most {MAX_SPLITS}.
    function split(uint256 legSeed, uint256 ratioSeed) external {
        if (splits >= MAX_SPLITS) return;
        uint256 k = 1 + (legSeed % 2);
        uint256 r = ratioSeed % 4;
        (uint256 num, uint256 den) = r == 0
            ? (2, 1)
            : r == 1
                ? (1, 2)
                : r == 2
                    ? (3, 1)
                    : (1, 3);
        (, uint256 t2, , ) = session.windows();
        if (block.timestamp + DELAY >= t2) return;
        uint256 id = module.scheduleAction(ActionKind.Split, k, num, den);
        _warpFresh(DELAY);
        MockSplitToken(tokens[k]).split(num, den);
        // Safe casts: small ratios.
        int256 repriced = (_price(k) * int256(den)) / int256(num);
        feeds[k].pushRound(repriced == 0 ? int256(1) : repriced, block.timestamp);
        uint256 prev = splitTokens[k];
        if (prev == 0) (, , , , prev) = module.legState(k);
        try module.executeAction(id) {
            ++splits;
            splitTokens[k] = (prev * num) / den;
        } catch (bytes memory err) {
            actionFailed = true;
            actionError = err;
        }
    }

    /// @notice The organiser pays a dividend of 1 to 500 cash units on leg 1 or 2, scheduled then executed.
    function dividend(uint256 legSeed, uint256 amount) external {
        uint256 k = 1 + (legSeed % 2);
        uint256 pay = bound(amount, 1e6, 500e6);
        (, uint256 t2, , ) = session.windows();
        if (block.timestamp + DELAY >= t2) return;
        uint256 id = module.scheduleAction(ActionKind.Dividend, k, pay, 0);
        _warpFresh(DELAY);
        MockERC20(tokens[CASH]).mint(address(this), pay);
        MockERC20(tokens[CASH]).approve(address(session), pay);
        try module.executeAction(id) {
            ++dividends;
        } catch (bytes memory err) {
            actionFailed = true;
            actionError = err;
        }
    }

    /// @notice Cash in lieu of leg 2 (a delisting), at most once: scheduled, then executed at the latest prices;
    /// the organiser pays the basket's value in cash and takes the leg's tokens. The only refusal allowed is
    /// DividendExceedsCashLeg (shorts of the leg would owe more than the cash basket holds).
    function cashInLieu() external {
        if (closedLegs != 0) return;
        (, uint256 t2, , ) = session.windows();
        if (block.timestamp + DELAY >= t2) return;
        uint256 id = module.scheduleAction(ActionKind.CashInLieu, 2, 0, 0);
        _warpFresh(DELAY);
        MockERC20(tokens[CASH]).mint(address(this), 1e30);
        MockERC20(tokens[CASH]).approve(address(session), 1e30);
        try module.executeAction(id) {
            closedLegs = 1 << 2;
        } catch (bytes memory err) {
            if (bytes4(err) != IMarginSession.DividendExceedsCashLeg.selector) {
                actionFailed = true;
                actionError = err;
            }
        }
    }

    /// @notice A trader or the fee recipient claims its dividends (NothingToClaim is expected).
    function claimDividends(uint256 whoSeed) external {
        uint256 w = whoSeed % (ACTORS + 1);
        address a = w == ACTORS ? feeTo : actors[w];
        vm.prank(a);
        try module.claimDividends(a) {
            ++dividendClaims;
        } catch {}
    }

    /// @notice Anyone brings an account's dividends up to date.
    function checkpoint(uint256 whoSeed) external {
        uint256 w = whoSeed % (ACTORS + 1);
        session.checkpoint(w == ACTORS ? feeTo : actors[w]);
    }

    // ------------------------------------------------------------------ the fallback path and claims

    /// @notice One run in three: the feeds never deliver a fixing, time jumps past the fallback deadline and the
    /// organiser proposes fixings (cash leg at 1, legs 1 and 2 at 1 to 1,000 quote per token; zero for a closed
    /// leg). Trading is over from here on.
    function propose(uint256 gate, uint256 p1, uint256 p2) external {
        if (proposed || gate % 3 != 0 || session.status() != Status.Open) return;
        (, , uint256 deadline, ) = session.windows();
        if (block.timestamp <= deadline) vm.warp(deadline + 1);
        uint256[] memory prices = new uint256[](N);
        prices[CASH] = 1e18;
        prices[1] = bound(p1, 1e18, 1_000e18);
        prices[2] = (closedLegs >> 2) & 1 == 1 ? 0 : bound(p2, 1e18, 1_000e18);
        module.proposeFixing(prices);
        proposed = true;
        for (uint256 k; k < N; ++k) proposedPrices[k] = prices[k];
    }

    /// @notice A trader disputes the pending proposal, paying the bond (refused after the window, or once settled).
    function dispute(uint256 whoSeed) external {
        if (!proposed) return;
        address a = actors[whoSeed % ACTORS];
        MockERC20(tokens[CASH]).mint(a, BOND);
        vm.prank(a);
        MockERC20(tokens[CASH]).approve(address(session), BOND);
        vm.prank(a);
        try module.disputeFixing() {
            disputed = true;
            bondsForfeited += BOND;
        } catch {}
    }

    /// @notice After the proposal's dispute window, anyone settles the session at the proposal.
    function finalize() external {
        if (!proposed) return;
        (, uint256 at, ) = module.proposal();
        if (block.timestamp <= at + 1 days) vm.warp(at + 1 days + 1);
        try session.finalizeFixing() {
            finalised = true;
        } catch {}
    }

    /// @notice A trader or the fee recipient claims its settlement (or its release share) once.
    function claim(uint256 whoSeed) external {
        uint256 w = whoSeed % (ACTORS + 1);
        address a = w == ACTORS ? feeTo : actors[w];
        vm.prank(a);
        try session.claim(a) {
            ++claimsOf[a];
            ++claims;
        } catch {}
    }

    /// @notice The fee recipient withdraws its forfeited bonds to an address it chooses.
    function withdrawBond(uint256 toSeed) external {
        address to = address(uint160(0xB0D0 + (toSeed % 3)));
        vm.prank(feeTo);
        try module.withdrawBond(to) returns (uint256 amount) {
            bondsWithdrawn += amount;
        } catch {}
    }

    /// @notice After the claim deadline, anyone sweeps the dust and any surplus to the fee recipient.
    function sweep() external {
        if (session.status() == Status.Open) return;
        (, , , uint256 claimDeadline) = session.windows();
        if (block.timestamp <= claimDeadline) vm.warp(claimDeadline + 1);
        session.sweepDust();
        ++sweeps;
    }

    /// @notice Time passes (up to a day), feeds stay fresh.
    function warp(uint256 secs) external {
        (, uint256 t2, , ) = session.windows();
        uint256 s = bound(secs, 0, 1 days);
        if (block.timestamp + s + DELAY >= t2) return;
        _warpFresh(s);
    }
}

/// @notice Invariants of a margin session under random fills that go short, oracle moves, liquidations, splits,
/// dividends, dividend claims and checkpoints ({MarginHandler}), and the settlement path (with and without a
/// price gap) as unit tests on states the handler builds.
contract MarginInvariantsTest is StdInvariant, Test {
    uint256 internal constant N = 3;
    address internal constant FEE_TO = address(0xFEE);

    MarginHandler internal handler;
    MarginSession internal session;
    MarginModule internal module;
    /// @dev The traders (also the liquidators), then the fee recipient last.
    address[] internal accounts;
    address[N] internal tokens;
    uint256 internal constant CASH = 0;
    /// @dev The documented bound on simultaneous short accounts.
    uint256 internal constant MAX_SHORTS = 50;

    function setUp() public {
        vm.warp(1_800_000_000);
        SessionFactory factory = new SessionFactory(
            address(new PhysicalSession()),
            address(new CashSession()),
            address(new MarginSession(address(new MarginModule()))),
            address(new SessionOracle())
        );
        handler = new MarginHandler(factory, FEE_TO);
        session = handler.session();
        module = handler.module();
        accounts = handler.accounts();
        for (uint256 k; k < N; ++k) tokens[k] = handler.tokens(k);
        // To t1: trading is open from here on.
        handler.warp(6 hours);

        bytes4[] memory selectors = new bytes4[](15);
        selectors[0] = MarginHandler.fill.selector;
        selectors[1] = MarginHandler.movePrice.selector;
        selectors[2] = MarginHandler.liquidate.selector;
        selectors[3] = MarginHandler.split.selector;
        selectors[4] = MarginHandler.dividend.selector;
        selectors[5] = MarginHandler.claimDividends.selector;
        selectors[6] = MarginHandler.checkpoint.selector;
        selectors[7] = MarginHandler.warp.selector;
        selectors[8] = MarginHandler.cashInLieu.selector;
        selectors[9] = MarginHandler.propose.selector;
        selectors[10] = MarginHandler.dispute.selector;
        selectors[11] = MarginHandler.finalize.selector;
        selectors[12] = MarginHandler.claim.selector;
        selectors[13] = MarginHandler.withdrawBond.selector;
        selectors[14] = MarginHandler.sweep.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
        targetContract(address(handler));
    }

    // ------------------------------------------------------------------ helpers

    /// @dev Token units leg k's basket is: q_k before any split, then the handler's split-by-split count (each
    /// step rounded down like the issuer's); 0 once closed. The session's own count must agree.
    function _basketTokens(uint256 k) internal view returns (uint256 t) {
        (, , bool closed, , uint256 basket) = module.legState(k);
        t =
            closed
                ? 0
                : handler.splitTokens(k) == 0
                    ? basket
                    : handler.splitTokens(k);
        assertEq(module.basketTokens(k), t, "the session's basket in tokens follows every split");
    }

    function _reserve() internal view returns (uint256 reserve) {
        (, , , , , , , , reserve) = module.marginConfig();
    }

    // ------------------------------------------------------------------ invariants

    /// @dev One read of everything the invariants look at (each view call is paid after every handler call).
    struct Snapshot {
        int256[][] x;
        uint256[N] basket;
        uint256[N] basketTokens;
        uint256 reserve;
        address[] shorts;
    }

    function _snapshot() internal view returns (Snapshot memory s) {
        s.x = new int256[][](accounts.length);
        for (uint256 i; i < accounts.length; ++i) s.x[i] = session.allocationOf(accounts[i]);
        for (uint256 k; k < N; ++k) {
            (, , , , uint256 basket) = module.legState(k);
            s.basket[k] = basket;
            s.basketTokens[k] = _basketTokens(k);
        }
        s.reserve = _reserve();
        s.shorts = module.shortAccounts();
    }

    function _hasNegative(int256[] memory x) internal pure returns (bool) {
        for (uint256 k; k < x.length; ++k) if (x[k] < 0) return true;
        return false;
    }

    /// Conservation: for every leg, the allocations of every account (the traders, who are also the liquidators,
    /// and the fee recipient) add up to the leg's basket q_k in session units. Trades, fees and liquidations only
    /// move allocation between accounts; a dividend debit leaves the cash basket with the short's allocation.
    /// On a leg closed by cash in lieu no allocation is negative: the former shorts paid the leg's value at
    /// closure and were cleared (so the longs' allocations add up to more than the basket, and are worth nothing).
    function _checkConservation(Snapshot memory s) internal view {
        for (uint256 k; k < N; ++k) {
            int256 sum;
            if ((handler.closedLegs() >> k) & 1 == 1) {
                for (uint256 i; i < s.x.length; ++i) assertGe(s.x[i][k], 0, "no short left on a closed leg");
                continue;
            }
            for (uint256 i; i < s.x.length; ++i) sum += s.x[i][k];
            // Safe cast: baskets are far below 2^255.
            assertEq(sum, int256(s.basket[k]), "sum of allocations == basket");
        }
    }

    /// Full funding: the session holds at least the tokens its baskets are worth on every leg (after splits, at
    /// the leg's scale), and on the cash leg also the dividend reserve on top.
    /// Once final (settled or released), the pool can pay every claim still open: for every leg its balance
    /// covers what each unclaimed account would be paid (value / V, or shares / totalShares, of the basket in
    /// tokens), and on the cash leg also the dividend reserve and the fee recipient's forfeited bonds.
    function _checkFullFunding(Snapshot memory s) internal view {
        Status st = session.status();
        uint256 bonds = module.bondOf(FEE_TO);
        for (uint256 k; k < N; ++k) {
            uint256 need = st == Status.Open ? s.basketTokens[k] : _stillClaimable(st, s.basketTokens[k]);
            if (k == CASH) need += s.reserve + bonds;
            assertGe(IERC20(tokens[k]).balanceOf(address(session)), need, "balance >= what is still owed");
        }
    }

    /// @dev Tokens of a leg whose basket is `q` tokens that the accounts which have not claimed yet would be paid.
    function _stillClaimable(Status st, uint256 q) internal view returns (uint256 owed) {
        (uint256 v, , , , ) = module.gap();
        uint256 total = session.totalShares();
        for (uint256 i; i < accounts.length; ++i) {
            (uint256 shares, , bool claimed, ) = session.accountOf(accounts[i]);
            if (claimed) continue;
            owed +=
                st == Status.Settled
                    ? Math.mulDiv(module.claimValueOf(accounts[i]), q, v)
                    : Math.mulDiv(shares, q, total);
        }
    }

    /// The fallback path keeps its word: a disputed proposal releases the session and the bond is held for the
    /// fee recipient until withdrawn (held + withdrawn == forfeited); a finalised one settles at exactly the
    /// proposed prices; nobody claims twice.
    function _checkFallbackAndClaims() internal view {
        assertEq(module.bondOf(FEE_TO) + handler.bondsWithdrawn(), handler.bondsForfeited(), "bonds held or withdrawn");
        if (handler.disputed()) assertEq(uint256(session.status()), uint256(Status.FallbackReleased), "released");
        if (handler.finalised()) {
            assertEq(uint256(session.status()), uint256(Status.Settled), "settled");
            for (uint256 k; k < N; ++k) assertEq(session.settlementPrice(k), handler.proposedPrices(k), "at proposal");
        }
        for (uint256 i; i < accounts.length; ++i) assertLe(handler.claimsOf(accounts[i]), 1, "one claim each");
    }

    /// Dividends are funded: the reserve covers what every account could claim now, accrued or pending.
    function _checkDividendReserveCoversAccruals(Snapshot memory s) internal view {
        uint256 owed;
        for (uint256 i; i < accounts.length; ++i) owed += module.dividendsOf(accounts[i]);
        assertGe(s.reserve, owed, "reserve >= sum of dividendsOf");
    }

    /// The short set is exact and bounded: an account holding a negative leg is listed in shortAccounts(), a
    /// listed account holds one, and at most 50 are listed. Only the traders can be listed.
    function _checkShortSetExactAndBounded(Snapshot memory s) internal view {
        assertLe(s.shorts.length, MAX_SHORTS, "at most 50 shorts");
        uint256 listedNegative;
        for (uint256 i; i < s.x.length; ++i) {
            bool negative = _hasNegative(s.x[i]);
            bool listed;
            for (uint256 j; j < s.shorts.length; ++j) if (s.shorts[j] == accounts[i]) listed = true;
            assertEq(negative, listed, "negative leg <=> listed");
            if (listed) ++listedNegative;
        }
        assertEq(listedNegative, s.shorts.length, "every listed account is a known account with a negative leg");
    }

    /// The fee recipient (the insurance) never trades and so never holds a negative allocation: settlement
    /// reads its value as non-negative.
    function _checkFeeRecipientNeverShort(Snapshot memory s) internal pure {
        assertFalse(_hasNegative(s.x[s.x.length - 1]), "fee recipient never short");
    }

    /// Every corporate action the organiser scheduled (a split after the token's own split, a funded dividend)
    /// executed.
    function _checkScheduledActionsExecute() internal view {
        assertFalse(handler.actionFailed(), "a scheduled action failed to execute");
    }

    /// Every invariant above, checked after every handler call in one campaign (one campaign per invariant
    /// would multiply the deep run's time by six).
    function invariant_marginSession() public view {
        _allInvariants();
    }

    function _allInvariants() internal view {
        Snapshot memory s = _snapshot();
        _checkConservation(s);
        _checkFullFunding(s);
        _checkDividendReserveCoversAccruals(s);
        _checkShortSetExactAndBounded(s);
        _checkFeeRecipientNeverShort(s);
        _checkScheduledActionsExecute();
        _checkFallbackAndClaims();
    }

    // ------------------------------------------------------------------ scripted states

    /// @dev Small trader 1 (600 quote) sells 8 of leg 1 to the large trader 0 for 800 cash: short 6 of leg 1.
    function _openShort() internal {
        // maker 1, taker (1 + 1 + 2) % 4 = 0, legs (0, 1), gives leg 1 for leg 0, 800 quote at par, in full.
        int256 cash = session.allocationOf(handler.actors(1))[0];
        handler.fill(1, 2, 0, 800, 10_000, true, 1e18);
        assertEq(session.allocationOf(handler.actors(1))[1], -6e18, "trader 1 short 6 of leg 1");
        // 800 received less the maker fee (5 bps of 800).
        assertEq(session.allocationOf(handler.actors(1))[0], cash + 799.6e6, "trader 1 cash");
    }

    /// A 1-for-3 reverse split then a 2-for-1 split of the same leg: the issuer floors the pool's balance at each
    /// step (26e18 -> 8.666..e18 -> 17.333..332e18, one unit below 26e18 * 2/3), and the session follows it step
    /// by step, so both execute and the basket in tokens is exactly the pool's balance.
    function test_split_forwardAfterReverse_followsTheIssuersRounding() public {
        handler.split(0, 3);
        handler.split(0, 0);
        assertFalse(handler.actionFailed(), "both splits executed");
        assertEq(handler.splits(), 2, "two splits");
        (uint256 num, uint256 den, , , uint256 basket) = module.legState(1);
        assertEq(num * 3, den * 2, "scale 2/3");
        assertEq(basket, 26e18, "session units unchanged");
        assertEq(IERC20(handler.tokens(1)).balanceOf(address(session)), 17_333_333_333_333_333_332, "pool balance");
        _allInvariants();
    }

    /// Cash in lieu of leg 2 after a short of it: the leg closes, its basket in tokens is zero, the short paid the
    /// leg's value from its cash at once, and every invariant holds (conservation in session units included).
    function test_cashInLieu_closesTheLeg_andEveryInvariantHolds() public {
        _openShort();
        handler.cashInLieu();
        assertEq(handler.closedLegs(), 1 << 2, "leg 2 closed");
        (, , bool closed, , ) = module.legState(2);
        assertTrue(closed, "closed in the session");
        assertEq(module.basketTokens(2), 0, "no tokens of leg 2 owed");
        assertFalse(handler.actionFailed(), "executed");
        _allInvariants();
    }

    /// Cash in lieu of leg 2 after trader 1 went short 2 of it: the short pays the leg's value (2 x 100) from its
    /// cash at closure, its allocation of the closed leg is cleared and it leaves the short set.
    function test_cashInLieu_clearsFormerShorts() public {
        address t1 = handler.actors(1);
        // maker 1, taker 0, legs (0, 2), gives 4 of leg 2 (holding 2) for 400 cash at par, in full.
        handler.fill(1, 2, 2, 400, 10_000, true, 1e18);
        assertEq(session.allocationOf(t1)[2], -2e8, "trader 1 short 2 of leg 2");
        assertEq(module.shortAccounts().length, 1, "one short");
        int256 cash = session.allocationOf(t1)[0];
        handler.cashInLieu();
        assertEq(handler.closedLegs(), 1 << 2, "leg 2 closed");
        assertEq(session.allocationOf(t1)[2], 0, "former short cleared");
        assertEq(session.allocationOf(t1)[0], cash - 200e6, "paid the leg's value: 2 units at 100");
        assertEq(module.shortAccounts().length, 0, "left the short set");
        _allInvariants();
    }

    /// The fallback path with a dispute: the bond stays in the pool for the fee recipient, the session is
    /// released pro rata to shares, every account claims, the fee recipient withdraws the bond to an address of
    /// its choosing, and after the sweep the pool holds exactly the dividend reserve: nothing is stranded.
    function test_fallback_disputed_bondHeld_claimsProRata_nothingStranded() public {
        _openShort();
        handler.dividend(0, 100e6);
        handler.propose(0, 120e18, 80e18);
        assertTrue(handler.proposed(), "proposed");
        handler.dispute(2);
        assertTrue(handler.disputed(), "disputed");
        assertEq(module.bondOf(FEE_TO), 100e6, "bond held for the fee recipient");
        _allInvariants();
        for (uint256 i; i <= handler.ACTORS(); ++i) handler.claim(i);
        assertEq(handler.claims(), handler.ACTORS(), "every subscriber claimed (the fee recipient has no shares)");
        _allInvariants();
        handler.withdrawBond(1);
        assertEq(IERC20(tokens[CASH]).balanceOf(address(0xB0D1)), 100e6, "bond withdrawn to the chosen address");
        handler.sweep();
        for (uint256 k; k < N; ++k) {
            uint256 keep = k == CASH ? _reserve() : 0;
            assertEq(IERC20(tokens[k]).balanceOf(address(session)), keep, "only the dividend reserve is left");
        }
        _allInvariants();
    }

    /// The fallback path undisputed: after the window the session settles at exactly the proposed prices, the
    /// claims pay each account's value share, and the sweep leaves only the dividend reserve.
    function test_fallback_finalised_atProposal_claimsThenSweep_nothingStranded() public {
        _openShort();
        handler.propose(0, 150e18, 90e18);
        handler.finalize();
        assertTrue(handler.finalised(), "finalised");
        handler.dispute(0);
        assertFalse(handler.disputed(), "no dispute after settlement");
        _allInvariants();
        for (uint256 i; i <= handler.ACTORS(); ++i) handler.claim(i);
        _allInvariants();
        handler.sweep();
        for (uint256 k; k < N; ++k) assertEq(IERC20(tokens[k]).balanceOf(address(session)), 0, "nothing stranded");
        _allInvariants();
    }

    /// The handler's actions really happen (so the invariants run on live states): a fill that goes short, a
    /// dividend debiting the short, a price move that makes it liquidatable, its liquidation, a split and a
    /// dividend claim; every invariant holds after each step.
    function test_handlerReachesEveryAction() public {
        _openShort();
        _allInvariants();
        handler.dividend(0, 100e6);
        assertEq(handler.dividends(), 1, "dividend");
        (, , , uint256 index, ) = module.legState(1);
        assertEq(index, (100e6 * uint256(1e36)) / 26e18, "index += paid / q");
        uint256 debit = Math.mulDiv(6e18, index, 1e36, Math.Rounding.Ceil);
        // Safe cast: small.
        assertEq(
            session.allocationOf(handler.actors(1))[0],
            999.6e6 - int256(debit),
            "the short paid its share at once"
        );
        _allInvariants();
        handler.movePrice(0, 14_000);
        (, , , , , bool liquidatable) = module.marginOf(handler.actors(1));
        assertTrue(liquidatable, "liquidatable after +40%");
        handler.liquidate(0, 0);
        assertEq(handler.liquidations(), 1, "liquidation");
        assertEq(module.shortAccounts().length, 0, "no short left");
        _allInvariants();
        handler.split(0, 0);
        assertEq(handler.splits(), 1, "split");
        (uint256 num, uint256 den, , , ) = module.legState(1);
        assertEq((num * 1_000) / den, 2_000, "leg 1 scale 2/1");
        _allInvariants();
        handler.claimDividends(0);
        assertEq(handler.dividendClaims(), 1, "dividend claim");
        handler.checkpoint(1);
        _allInvariants();
    }

    // ------------------------------------------------------------------ settlement

    /// @dev Warps past t2 and publishes one round per leg just after t2 (cash at 1, legs 1 and 2 at the given
    /// prices, 8 decimals), then settles through the automation entry points.
    function _settle(int256 p1, int256 p2) internal {
        (, uint256 t2, , ) = session.windows();
        // A fresh round just before t2 (the fixing proves the round before t2 is within the heartbeat).
        vm.warp(t2 - 10);
        for (uint256 k; k < N; ++k) {
            (, int256 answer, , , ) = handler.feeds(k).latestRoundData();
            handler.feeds(k).pushRound(answer, t2 - 10);
        }
        vm.warp(t2 + 1 hours);
        handler.feeds(0).pushRound(1e8, t2 + 60);
        handler.feeds(1).pushRound(p1, t2 + 60);
        handler.feeds(2).pushRound(p2, t2 + 60);
        (bool needed, bytes memory data) = session.checkUpkeep("");
        assertTrue(needed, "upkeep needed");
        session.performUpkeep(data);
        assertEq(uint256(session.status()), uint256(Status.Settled), "settled");
    }

    /// @dev Every account claims; checks the claims against the basket value V and the basket tokens.
    function _claimAllAndCheck() internal returns (uint256 sumValue) {
        (uint256 v, , , , ) = module.gap();
        address[] memory a = handler.accounts();
        uint256[N] memory before;
        for (uint256 k; k < N; ++k) before[k] = _basketTokens(k);
        for (uint256 i; i < a.length; ++i) {
            uint256 value = module.claimValueOf(a[i]);
            sumValue += value;
            vm.prank(a[i]);
            if (value == 0) {
                vm.expectRevert();
                session.claim(a[i]);
            } else {
                uint256[] memory got = session.claim(a[i]);
                for (uint256 k; k < N; ++k) {
                    assertEq(got[k], Math.mulDiv(value, before[k], v), "claim = value / V of each basket");
                }
            }
        }
        // Each positive claim value is rounded down once: at most one unit (1e36 scale) short per account.
        assertLe(sumValue, v, "claims <= V");
        assertGe(sumValue + a.length, v, "claims == V within rounding");
        for (uint256 k; k < N; ++k) {
            assertLe(session.paid(k), before[k], "paid <= basket tokens");
            // Floors: one token unit per claim, one more for the value rounding.
            assertGe(session.paid(k) + a.length + 1, before[k], "paid == basket tokens within rounding");
            assertGe(IERC20(handler.tokens(k)).balanceOf(address(session)) + session.paid(k), before[k]);
        }
    }

    /// Settlement without a gap: every account's value is paid, the fee recipient gets its whole insurance, and
    /// the claims sum to V within rounding on every leg, after fills, a dividend, a liquidation and a split.
    function test_settle_noGap_claimsSumToBasketValue() public {
        // Trader 0 gives 150 cash for 1.515 of leg 2 from trader 1 (who holds 2 of leg 2).
        handler.fill(0, 0, 2, 150, 10_100, false, 1e18);
        assertEq(handler.fills(), 1, "fill");
        _openShort();
        handler.dividend(1, 50e6);
        handler.split(1, 1);
        _settle(100e8, 200e8);
        (uint256 v, uint256 deficit, uint256 insurance, uint256 positive, uint256 socialised) = module.gap();
        assertGt(v, 0, "V recorded");
        assertEq(deficit, 0, "no negative account");
        assertGt(insurance, 0, "fees were charged");
        assertEq(socialised, 0, "nothing socialised");
        assertEq(positive, v - insurance, "P = V + D - I");
        assertEq(module.claimValueOf(FEE_TO), insurance, "fee recipient gets the insurance");
        _claimAllAndCheck();
    }

    /// Settlement with a gap: leg 1 triples at the fixing, so the short account is worth less than nothing. It
    /// gets nothing, the insurance (fees) covers what it can, the rest is socialised: positive accounts are
    /// scaled by V/P, the fee recipient gets nothing, and the claims still sum to V.
    function test_settle_gap_socialisedProRata() public {
        _openShort();
        _settle(300e8, 100e8);
        (uint256 v, uint256 deficit, uint256 insurance, uint256 positive, uint256 socialised) = module.gap();
        assertGt(deficit, insurance, "a gap beyond the insurance");
        assertEq(socialised, deficit - insurance, "the rest is socialised");
        assertEq(positive, v + deficit - insurance, "P = V + D - I");
        assertEq(module.claimValueOf(handler.actors(1)), 0, "negative account gets nothing");
        assertEq(module.claimValueOf(FEE_TO), 0, "insurance used up");
        uint256 whole = _claimAllAndCheck();
        assertGt(whole, 0);
    }
}
