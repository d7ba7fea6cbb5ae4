// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {Vm} from "forge-std/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {BoundedMarkets} from "../../../contracts/markets/BoundedMarkets.sol";
import {BoundedMarketsAdmin} from "../../../contracts/markets/BoundedMarketsAdmin.sol";
import {BoundedMarketsLens} from "../../../contracts/markets/BoundedMarketsLens.sol";
import {MarketStorage} from "../../../contracts/markets/MarketStorage.sol";
import {MarketErrors as E} from "../../../contracts/markets/libraries/MarketErrors.sol";
import {MarketEvents as Ev} from "../../../contracts/markets/libraries/MarketEvents.sol";
import {Order} from "../../../contracts/markets/libraries/MarketOrders.sol";
import {PayoffMath} from "../../../contracts/markets/libraries/PayoffMath.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";

/// @notice Random actions by a few traders on three roots (two in USDC with sub-markets, one in DAI).
contract MarketsHandler is Test {
    BoundedMarkets public core;
    BoundedMarketsAdmin public admin;
    BoundedMarketsLens public lens;
    MockERC20 public usdc;
    MockERC20 public dai;
    address public owner = address(0x0A11);
    address public bystander = address(0xB1);
    address[4] public actors;
    uint256[3] public roots;
    uint16[3] public branchCount;

    mapping(address token => uint256) public deposited;
    mapping(address token => uint256) public withdrawn;
    mapping(uint256 rootId => mapping(address => int256)) public redeemedPayout;
    mapping(uint256 rootId => int256) public redeemedSum;
    /// @notice Positions closed by redemption, per market: a redeemed trader's positions read zero afterwards.
    mapping(uint256 rootId => mapping(uint256 branchId => int256)) public redeemedPos;
    mapping(uint256 rootId => bytes32) public ghostHead;
    mapping(uint256 rootId => bool) public chainBroken;
    mapping(uint256 rootId => int256) public lastLo;
    mapping(uint256 rootId => int256) public lastHi;
    bool public rangeWidened;
    uint256 public fillsSeen;
    uint256 public placesOk;
    uint256 public bystanderCash;
    uint256 internal salt;

    // Ghost set of live orders, built from the events only (never from the book's storage).
    address public relayer = address(0x7E1A);
    uint256[] public ghostKeys; // every order key that ever rested
    mapping(uint256 key => uint256) public ghostRem; // contracts still resting (0: filled or cancelled)
    mapping(uint256 key => bool) public ghostIsBid;
    mapping(uint256 key => address) public ghostTrader; // from the order's `OrderAccepted` (the book keeps none)
    // The order being matched in the current call (at most one per call).
    bytes32 internal inDigest;
    address internal inTrader;
    uint256 internal inKey;
    uint256 internal inRem;
    bool internal inIsBid;
    uint8 internal inStop; // reduction reason of its dropped remainder (0xff: none)
    // Matching that disagreed with the ghost set.
    bool public ghostBroken; // a fill or reduction of more than a live order held
    bool public cutShort; // stopped by the sweep bound although levels and touches sufficed
    bool public falseCross; // post-only refused though no live order crossed
    bool public relayStopped; // a relayed order stopped by the relayer's maxLevels
    // Ownership, which the book no longer stores: decided by each trader's own order list.
    bool public selfFilled; // a taker filled against its own resting order
    bool public wrongOwner; // a resting order's reduction named another trader than the one who placed it
    bool public strangerCancelled; // a cancel by key succeeded for someone other than the order's trader
    bool public panicked; // a call reverted with a Panic (assertion, overflow, index out of bounds)
    bytes public panicData; // the first such revert's data
    uint256 public strangersRefused;
    uint256 public relaysOk;
    uint256 public relaysRefused;

    constructor() {
        vm.warp(1_000_000);
        core = new BoundedMarkets(address(new BoundedMarketsAdmin()));
        admin = BoundedMarketsAdmin(address(core));
        lens = BoundedMarketsLens(address(core));
        usdc = new MockERC20("USD Coin", "USDC", 6);
        dai = new MockERC20("Dai", "DAI", 18);
        for (uint256 i; i < 4; ++i) actors[i] = vm.addr(0xA000 + i); // keys: actors sign relayed orders
        vm.recordLogs();
        vm.startPrank(owner);
        // Small outcome ranges keep the brute-force checks cheap; widths that do not divide the unit make
        // settlement round.
        roots[0] = admin.createRoot(_params(usdc, 0, 30, 1 days, 2 days));
        admin.createSub(roots[0], 1, 5, 20);
        admin.createSub(roots[0], 2, 8, 14);
        roots[1] = admin.createRoot(_params(usdc, -15, 15, 1 days, 2 days));
        admin.createSub(roots[1], 1, -4, 3);
        roots[2] = admin.createRoot(_params(dai, 0, 24, 2 hours, 4 hours));
        admin.createSub(roots[2], 1, 0, 7);
        vm.stopPrank();
        branchCount = [uint16(3), uint16(2), uint16(2)];
        for (uint256 k; k < 3; ++k) {
            lastLo[roots[k]] = lens.root(roots[k]).lo;
            lastHi[roots[k]] = lens.root(roots[k]).hi;
        }
        _deposit(bystander, usdc, 1_000_000);
        bystanderCash = 1_000_000;
        _consumeLogs();
    }

    function _params(
        MockERC20 token,
        int128 min,
        int128 max,
        uint64 expiryIn,
        uint64 voidIn
    ) internal view returns (MarketStorage.RootParams memory) {
        return
            MarketStorage.RootParams({
                collateral: IERC20(address(token)),
                unitScale: token == usdc ? 100 : 1e12,
                decimals: 0,
                min: min,
                max: max,
                expiry: uint64(block.timestamp + expiryIn),
                voidDeadline: uint64(block.timestamp + voidIn),
                source: 0,
                reporter: address(0),
                disputeWindow: 0
            });
    }

    function actorCount() external pure returns (uint256) {
        return 4;
    }

    function _token(uint256 rootIdx) internal view returns (MockERC20) {
        return rootIdx == 2 ? dai : usdc;
    }

    function _deposit(address who, MockERC20 token, uint256 amount) internal {
        token.mint(who, amount);
        vm.startPrank(who);
        token.approve(address(core), amount);
        core.deposit(IERC20(address(token)), amount);
        vm.stopPrank();
        deposited[address(token)] += amount;
    }

    // ---------------------------------------------------------------- actions

    function deposit(uint256 a, uint256 amount, bool useDai) external {
        MockERC20 token = useDai ? dai : usdc;
        amount = bound(amount, 1, useDai ? 1e22 : 1e10);
        _deposit(actors[a % 4], token, amount);
        _consumeLogs();
    }

    function withdraw(uint256 a, uint256 amount, bool useDai) external {
        MockERC20 token = useDai ? dai : usdc;
        address who = actors[a % 4];
        amount = bound(amount, 1, useDai ? 1e22 : 1e10);
        vm.prank(who);
        try core.withdraw(IERC20(address(token)), amount, who) {
            withdrawn[address(token)] += amount;
            _consumeLogs();
        } catch (bytes memory err) {
            _failed(err);
        }
    }

    function _newOrder(
        address who,
        uint256 rootIdx,
        uint256 branch,
        uint256 tick,
        int256 qty,
        uint256 orderType
    ) internal returns (Order memory) {
        qty = bound(qty, -50, 50);
        if (qty == 0) qty = 1;
        return
            Order({
                rootId: uint64(roots[rootIdx]),
                branchId: uint16(1 + (branch % branchCount[rootIdx])),
                tick: uint8(bound(tick, 44, 56)), // a narrow band: orders meet at the same levels often
                quantity: int64(qty),
                orderType: uint8(orderType % 3),
                expiry: uint64(block.timestamp + 1 days),
                nonce: 0,
                salt: ++salt,
                trader: who
            });
    }

    function place(
        uint256 a,
        uint256 rootIdx,
        uint256 branch,
        uint256 tick,
        int256 qty,
        uint256 orderType,
        uint256 maxLevels
    ) external {
        rootIdx %= 3;
        address who = actors[a % 4];
        Order memory o = _newOrder(who, rootIdx, branch, tick, qty, orderType);
        _submit(o, "", who, bound(maxLevels, 0, 5));
    }

    /// @notice A relayer submits an actor's signed order with a maxLevels of its own choosing.
    function relay(
        uint256 a,
        uint256 rootIdx,
        uint256 branch,
        uint256 tick,
        int256 qty,
        uint256 orderType,
        uint256 maxLevels
    ) external {
        rootIdx %= 3;
        a %= 4;
        Order memory o = _newOrder(actors[a], rootIdx, branch, tick, qty, orderType);
        (uint8 v, bytes32 r, bytes32 sg) = vm.sign(0xA000 + a, core.orderDigest(o));
        _submit(o, abi.encodePacked(r, sg, v), relayer, bound(maxLevels, 0, 5));
    }

    /// @notice Live crossing levels and orders the ghost set shows for an incoming order.
    function _crossing(Order memory o) internal view returns (uint256 levels, uint256 orders) {
        uint256 marketId = (uint256(o.rootId) << 16) | o.branchId;
        bool isBid = o.quantity > 0;
        uint256 seen; // bit t: a crossing level at tick t already counted
        for (uint256 i; i < ghostKeys.length; ++i) {
            uint256 key = ghostKeys[i];
            if (ghostRem[key] == 0 || key >> 40 != marketId || ghostIsBid[key] == isBid) continue;
            uint256 t = (key >> 32) & 0xff;
            if (isBid ? t > o.tick : t < o.tick) continue;
            ++orders;
            if ((seen >> t) & 1 == 0) {
                seen |= uint256(1) << t;
                ++levels;
            }
        }
    }

    function _submit(Order memory o, bytes memory sig, address submitter, uint256 maxLevels) internal {
        (uint256 levels, uint256 orders) = _crossing(o);
        bool enough = maxLevels >= levels && orders <= core.MAX_TOUCH();
        bool relayed = submitter != o.trader;
        inStop = 0xff;
        vm.prank(submitter);
        try core.place(o, sig, maxLevels) {
            ++placesOk;
            if (relayed) ++relaysOk;
            _consumeLogs();
            if ((inStop == 3 || inStop == 4) && (enough || (relayed && orders <= core.MAX_TOUCH()))) {
                if (relayed) relayStopped = true;
                else cutShort = true;
            }
        } catch (bytes memory err) {
            _failed(err);
            bytes4 sel = bytes4(err);
            if (sel == E.PostOnlyWouldCross.selector && levels == 0) falseCross = true;
            if (sel == E.RelayedSweepBound.selector) {
                ++relaysRefused;
                if (!relayed || maxLevels >= levels) relayStopped = true; // refused only at a real bound
            }
        }
        inDigest = bytes32(0);
    }

    function cancel(uint256 a, uint256 rootIdx, uint256 which) external {
        rootIdx %= 3;
        address who = actors[a % 4];
        (, , , , uint64[] memory refs) = lens.traderRoot(who, roots[rootIdx]);
        if (refs.length == 0) return;
        // The list may still name orders cancelled by key (dropped at the next refresh): take a live one.
        uint256 key;
        for (uint256 j; j < refs.length; ++j) {
            uint64 ref = refs[(which + j) % refs.length];
            key = lens.orderKeyOf(roots[rootIdx], uint16(ref >> 48), uint8(ref >> 40), uint32(ref));
            (uint256 remaining, ) = lens.restingOrder(key);
            if (remaining != 0) break;
        }
        vm.prank(who);
        try core.cancel(key) {
            _consumeLogs();
        } catch (bytes memory err) {
            _failed(err);
        }
    }

    /// @notice Actor `a` tries to cancel a live order of another actor by its key: always refused, nothing moves.
    function cancelOther(uint256 a, uint256 rootIdx, uint256 which) external {
        rootIdx %= 3;
        address who = actors[a % 4];
        uint256 id = roots[rootIdx];
        uint256 n = ghostKeys.length;
        if (n == 0) return;
        for (uint256 j; j < n; ++j) {
            uint256 key = ghostKeys[(which + j) % n];
            if (ghostRem[key] == 0 || key >> 56 != id || ghostTrader[key] == who) continue;
            vm.prank(who);
            try core.cancel(key) {
                strangerCancelled = true;
                _consumeLogs();
            } catch (bytes memory err) {
                _failed(err);
                if (keccak256(err) != keccak256(abi.encodeWithSelector(E.NotYourOrder.selector, who, key))) {
                    strangerCancelled = true; // refused, but not for the reason that it is not theirs
                }
                ++strangersRefused;
            }
            return;
        }
    }

    function cancelMarket(uint256 a, uint256 rootIdx, uint256 branch) external {
        rootIdx %= 3;
        vm.prank(actors[a % 4]);
        try core.cancelMarket(roots[rootIdx], uint16(branch % (branchCount[rootIdx] + 1))) {
            _consumeLogs();
        } catch (bytes memory err) {
            _failed(err);
        }
    }

    function postBounds(uint256 rootIdx, uint256 branch, int256 newMin, int256 newMax) external {
        rootIdx %= 3;
        uint256 id = roots[rootIdx];
        uint16 b = uint16(1 + (branch % branchCount[rootIdx]));
        (int128 min, int128 max) = lens.market(id, b);
        newMin = bound(newMin, min, max);
        newMax = bound(newMax, newMin, max);
        vm.prank(owner);
        try admin.postBounds(id, b, int128(newMin), int128(newMax)) {
            _consumeLogs();
        } catch (bytes memory err) {
            _failed(err);
        }
        _trackRange(id);
    }

    function settle(uint256 rootIdx, int256 x) external {
        rootIdx %= 3;
        uint256 id = roots[rootIdx];
        MarketStorage.Root memory r = lens.root(id);
        x = bound(x, r.lo, r.hi);
        vm.prank(owner);
        try admin.postBounds(id, 1, int128(x), int128(x)) {
            _consumeLogs();
        } catch (bytes memory err) {
            _failed(err);
        }
        _trackRange(id);
    }

    function passTime(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 3 hours));
    }

    function voidRoot(uint256 rootIdx) external {
        try admin.voidRoot(roots[rootIdx % 3]) {
            _consumeLogs();
        } catch (bytes memory err) {
            _failed(err);
        }
    }

    function redeem(uint256 rootIdx, uint256 a) external {
        uint256 id = roots[rootIdx % 3];
        address who = actors[a % 4];
        (int256[] memory pos, , , ) = lens.exposure(who, id);
        try core.redeem(id, who) returns (int256 payout) {
            for (uint256 b = 1; b < pos.length; ++b) redeemedPos[id][b] += pos[b];
            redeemedPayout[id][who] += payout;
            redeemedSum[id] += payout;
            _consumeLogs();
        } catch (bytes memory err) {
            _failed(err);
        }
    }

    function sync(uint256 a, uint256 rootIdx) external {
        vm.prank(actors[a % 4]);
        try core.sync(roots[rootIdx % 3]) {
            _consumeLogs();
        } catch (bytes memory err) {
            _failed(err);
        }
    }

    // ---------------------------------------------------------------- ghosts

    function _trackRange(uint256 id) internal {
        MarketStorage.Root memory r = lens.root(id);
        if (r.lo < lastLo[id] || r.hi > lastHi[id]) rangeWidened = true;
        lastLo[id] = r.lo;
        lastHi[id] = r.hi;
    }

    /// @notice A reverted call's logs are recorded too (then rolled back): forget them.
    function _dropLogs() internal {
        vm.getRecordedLogs();
    }

    /// @notice A call reverted: forget its logs, and note a Panic (a failed assertion, an overflow, an index out
    /// of bounds), which no input may cause: every refusal has a named error.
    function _failed(bytes memory err) internal {
        _dropLogs();
        if (!panicked && err.length >= 4 && bytes4(err) == bytes4(0x4e487b71)) {
            panicked = true;
            panicData = err;
        }
    }

    /// @notice Replays every chain record in the logs and compares it with the `head` the event carries.
    function _consumeLogs() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (l.emitter != address(core) || l.topics.length == 0) continue;
            bytes32 t0 = l.topics[0];
            uint256 id = l.topics.length > 1 ? uint256(l.topics[1]) : 0;
            bytes32 prev = ghostHead[id];
            bytes32 rec;
            bytes32 head;
            if (t0 == Ev.OrderAccepted.selector) {
                (uint256 orderKey, int64 quantity, , , , , , , bytes32 h) = abi.decode(
                    l.data,
                    (uint256, int64, uint8, uint64, uint256, uint256, bytes, address, bytes32)
                );
                rec = keccak256(abi.encode(prev, uint8(1), l.topics[2], orderKey));
                head = h;
                inDigest = l.topics[2];
                inTrader = address(uint160(uint256(l.topics[3])));
                inKey = orderKey;
                inIsBid = quantity > 0;
                inRem = uint256(int256(quantity > 0 ? quantity : -quantity));
            } else if (t0 == Ev.OrderFilled.selector) {
                ++fillsSeen;
                (uint64 q, bytes32 h) = abi.decode(l.data, (uint64, bytes32));
                uint256 tick = (uint256(l.topics[2]) >> 32) & 0xff; // the maker's tick, from its key
                rec = keccak256(abi.encode(prev, uint8(2), uint256(l.topics[2]), l.topics[3], tick, uint256(q)));
                head = h;
                _take(uint256(l.topics[2]), q); // a fill of the resting order
                if (l.topics[3] == inDigest) inRem -= q;
                if (ghostTrader[uint256(l.topics[2])] == inTrader) selfFilled = true;
            } else if (t0 == Ev.OrderReduced.selector) {
                (address who, uint64 q, uint8 reason, bytes32 h) = abi.decode(
                    l.data,
                    (address, uint64, uint8, bytes32)
                );
                rec = keccak256(abi.encode(prev, uint8(3), uint256(l.topics[2]), l.topics[3], uint256(q), reason));
                head = h;
                if (l.topics[3] == bytes32(0)) {
                    _take(uint256(l.topics[2]), q); // a resting order left the book
                    // Its own trader cancelled it, or met it as a taker (self-trade prevention).
                    if (ghostTrader[uint256(l.topics[2])] != who) wrongOwner = true;
                    if (reason == 1 && who != inTrader) wrongOwner = true;
                } else if (l.topics[3] == inDigest) {
                    inRem -= q; // the incoming remainder was dropped
                    inStop = reason;
                }
            } else if (t0 == Ev.BoundsPosted.selector) {
                (, int256 nMin, int256 nMax, int256 lo, int256 hi, bytes32 h) = abi.decode(
                    l.data,
                    (address, int256, int256, int256, int256, bytes32)
                );
                rec = keccak256(abi.encode(prev, uint8(4), uint16(uint256(l.topics[2])), nMin, nMax, lo, hi));
                head = h;
            } else if (t0 == Ev.RootSettled.selector) {
                (int256 x, , bytes32 h) = abi.decode(l.data, (int256, uint8, bytes32));
                rec = keccak256(abi.encode(prev, uint8(5), uint8(1), x));
                head = h;
            } else if (t0 == Ev.RootVoided.selector) {
                bytes32 h = abi.decode(l.data, (bytes32));
                rec = keccak256(abi.encode(prev, uint8(5), uint8(2), int256(0)));
                head = h;
            } else {
                continue;
            }
            if (rec != head) chainBroken[id] = true;
            ghostHead[id] = head;
        }
        if (inDigest != bytes32(0) && inRem > 0) {
            // What is left of the incoming order rests under its key.
            ghostKeys.push(inKey); // keys are unique: a level's tail moves on only when an order rests
            ghostRem[inKey] = inRem;
            ghostIsBid[inKey] = inIsBid;
            ghostTrader[inKey] = inTrader;
        }
        inDigest = bytes32(0);
        inRem = 0;
    }

    /// @notice Takes `q` from a live ghost order; more than it holds means the book traded something not live.
    function _take(uint256 key, uint256 q) internal {
        if (ghostRem[key] < q) {
            ghostBroken = true;
            ghostRem[key] = 0;
        } else {
            ghostRem[key] -= q;
        }
    }

    function ghostCount() external view returns (uint256) {
        return ghostKeys.length;
    }
}

/// @notice Invariants of docs/invariants.md (bounded-payoff markets) over the handler's random sequences.
contract MarketsInvariantTest is StdInvariant, Test {
    MarketsHandler internal h;
    BoundedMarketsLens internal lens;

    function setUp() public {
        h = new MarketsHandler();
        lens = h.lens();
        targetContract(address(h));
    }

    /// @notice One view call per (trader, root), shared by every check of a pass.
    struct Exposure {
        int256[] pos; // by branch id
        int256 premium; // effective net premium paid
        int256 pending; // cash still to be credited from maker fills
        int256 worst; // what the contract would store now
    }

    struct Pass {
        Exposure[4][3] ex; // [root][actor]
        MarketStorage.Root[3] roots;
    }

    function _load() internal view returns (Pass memory p) {
        for (uint256 k; k < 3; ++k) {
            uint256 id = h.roots(k);
            p.roots[k] = lens.root(id);
            for (uint256 i; i < 4; ++i) {
                Exposure memory e = p.ex[k][i];
                (e.pos, e.premium, e.pending, e.worst) = lens.exposure(h.actors(i), id);
            }
        }
    }

    function _effCash(
        Pass memory p,
        address who,
        uint256 actorIdx,
        MockERC20 token
    ) internal view returns (int256 cash) {
        (cash, , ) = lens.account(who, IERC20(address(token)));
        if (actorIdx == type(uint256).max) return cash; // the bystander never trades
        for (uint256 k; k < 3; ++k) {
            if (address(p.roots[k].collateral) == address(token)) cash += p.ex[k][actorIdx].pending;
        }
    }

    function _checkToken(Pass memory p, MockERC20 token) internal view {
        uint256 bal = token.balanceOf(address(h.core()));
        assertEq(
            bal,
            h.deposited(address(token)) - h.withdrawn(address(token)),
            "token balance == deposits - withdrawals"
        );
        int256 sum = _effCash(p, h.bystander(), type(uint256).max, token);
        for (uint256 i; i < 4; ++i) sum += _effCash(p, h.actors(i), i, token);
        int256 redeemed;
        for (uint256 k; k < 3; ++k) {
            if (address(p.roots[k].collateral) == address(token)) redeemed += h.redeemedSum(h.roots(k));
        }
        assertEq(sum, int256(bal) + redeemed, "cash is conserved");
    }

    function check_tokenAccounting(Pass memory p) internal view {
        _checkToken(p, h.usdc());
        _checkToken(p, h.dai());
    }

    function check_storedCheckHolds() internal view {
        for (uint256 i; i < 4; ++i) {
            (int256 c1, int256 s1, ) = lens.account(h.actors(i), IERC20(address(h.usdc())));
            (int256 c2, int256 s2, ) = lens.account(h.actors(i), IERC20(address(h.dai())));
            assertGe(c1 + s1, 0, "stored check (USDC)");
            assertGe(c2 + s2, 0, "stored check (DAI)");
        }
    }

    /// @notice Brute force, independent of the contract's worst-case code: positions only (what has traded),
    /// every integer outcome still possible, plus the void case.
    function _rootWorst(Pass memory p, uint256 k, uint256 i) internal view returns (int256 worst) {
        MarketStorage.Root memory r = p.roots[k];
        Exposure memory e = p.ex[k][i];
        if (r.status == 2) return e.premium;
        uint256 unit = 100 * uint256(r.unitScale);
        uint256 id = h.roots(k);
        uint16 nb = r.branchCount;
        int256[] memory mins = new int256[](nb + 1);
        int256[] memory maxs = new int256[](nb + 1);
        for (uint16 b = 1; b <= nb; ++b) {
            if (e.pos[b] == 0) continue;
            (int128 mn, int128 mx) = lens.market(id, b);
            mins[b] = mn;
            maxs[b] = mx;
        }
        worst = type(int256).max;
        for (int256 x = r.lo; x <= r.hi; ++x) {
            int256 w;
            for (uint16 b = 1; b <= nb; ++b) {
                if (e.pos[b] != 0) w += e.pos[b] * int256(PayoffMath.payoffDown(x, mins[b], maxs[b], unit));
            }
            if (w < worst) worst = w;
        }
        if (r.status == 0 && e.premium < worst) worst = e.premium;
    }

    function check_everyOutcomeCovered(Pass memory p) internal view {
        for (uint256 i; i < 4; ++i) {
            address who = h.actors(i);
            int256 usdcSide = _effCash(p, who, i, h.usdc());
            int256 daiSide = _effCash(p, who, i, h.dai());
            for (uint256 k; k < 3; ++k) {
                int256 w = _rootWorst(p, k, i);
                if (k == 2) daiSide += w;
                else usdcSide += w;
                // The stored worst case is never optimistic: at most what the positions are worth at their worst
                // outcome (settlement rounding included), with the cash a refresh would credit. Maker fills,
                // narrowed bounds and cancels by key, left unrecomputed, keep it so.
                (int256 stored, , , , ) = lens.traderRoot(who, h.roots(k));
                assertLe(stored, w + p.ex[k][i].pending, "stored worst case above the positions' worst");
            }
            assertGe(usdcSide, 0, "every USDC outcome covered");
            assertGe(daiSide, 0, "every DAI outcome covered");
        }
    }

    function check_finalPayoutsNetToZero(Pass memory p) internal view {
        for (uint256 k; k < 3; ++k) {
            if (p.roots[k].status == 0) continue;
            int256 sum;
            for (uint256 i; i < 4; ++i) sum += h.redeemedPayout(h.roots(k), h.actors(i)) + p.ex[k][i].worst;
            assertEq(sum, 0, "final payouts net to zero");
        }
    }

    function check_positionsNetToZero(Pass memory p) internal view {
        for (uint256 k; k < 3; ++k) {
            uint16 nb = p.roots[k].branchCount;
            for (uint16 b = 1; b <= nb; ++b) {
                int256 sum = h.redeemedPos(h.roots(k), b);
                for (uint256 i; i < 4; ++i) sum += p.ex[k][i].pos[b];
                assertEq(sum, 0, "positions net to zero");
            }
        }
    }

    function check_hashChainMatchesEvents(Pass memory p) internal view {
        for (uint256 k; k < 3; ++k) {
            uint256 id = h.roots(k);
            assertFalse(h.chainBroken(id), "every event's head is its record hashed onto the previous head");
            assertEq(h.ghostHead(id), p.roots[k].head, "replayed head == stored head");
        }
    }

    function check_isolation() internal view {
        (int256 cash, int256 sumWorst, uint64[] memory rs) = lens.account(h.bystander(), IERC20(address(h.usdc())));
        assertEq(cash, int256(h.bystanderCash()), "bystander's cash untouched");
        assertEq(sumWorst, 0, "bystander carries no exposure");
        assertEq(rs.length, 0, "bystander holds no root");
    }

    function check_rangesOnlyNarrow(Pass memory p) internal view {
        assertFalse(h.rangeWidened(), "a possible range widened");
        for (uint256 k; k < 3; ++k) {
            MarketStorage.Root memory r = p.roots[k];
            (int128 mn, int128 mx) = lens.market(h.roots(k), 1);
            assertGe(r.lo, mn);
            assertLe(r.hi, mx);
            assertLe(r.lo, r.hi);
            if (r.status == 1) assertEq(r.lo, r.hi, "settled root has one outcome");
        }
    }

    /// @notice The book equals the ghost set of live orders: book bits, `bestPrices`, each level's live count
    /// and each order's remainder; the book is never crossed; matching never disagreed with the set.
    function check_bookMatchesLiveOrders(Pass memory p) internal view {
        assertFalse(h.ghostBroken(), "a fill or reduction took more than a live order held");
        assertFalse(h.cutShort(), "a taker was stopped although its levels and MAX_TOUCH sufficed");
        assertFalse(h.falseCross(), "post-only refused though no live order crossed");
        assertFalse(h.relayStopped(), "a relayed order was stopped by the relayer's maxLevels");
        assertFalse(h.selfFilled(), "a taker filled against its own resting order");
        assertFalse(h.wrongOwner(), "a resting order's reduction named another trader than its own");
        assertFalse(h.strangerCancelled(), "someone cancelled another trader's order by key");
        uint256 n = h.ghostCount();
        uint256[] memory keys = new uint256[](n);
        uint256[] memory rem = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            keys[i] = h.ghostKeys(i);
            rem[i] = h.ghostRem(keys[i]);
            (uint256 stored, ) = lens.restingOrder(keys[i]);
            assertEq(stored, rem[i], "stored remainder == ghost remainder");
        }
        for (uint256 k; k < 3; ++k) {
            uint256 id = h.roots(k);
            for (uint16 b = 1; b <= p.roots[k].branchCount; ++b) {
                uint256 marketId = (id << 16) | b;
                uint256 bits;
                for (uint256 i; i < n; ++i) {
                    if (rem[i] == 0 || keys[i] >> 40 != marketId) continue;
                    uint256 t = (keys[i] >> 32) & 0xff;
                    bits |= uint256(1) << (h.ghostIsBid(keys[i]) ? t : t + 128);
                    uint256 count;
                    for (uint256 j; j < n; ++j) if (rem[j] != 0 && keys[j] >> 32 == keys[i] >> 32) ++count;
                    (, , , uint32 live) = lens.level(id, b, uint8(t));
                    assertEq(live, count, "level live count == live orders at the level");
                }
                assertEq(h.core().bookBits(marketId), bits, "book bits == levels holding a live order");
                uint256 bids = bits & type(uint128).max;
                uint256 asks = bits >> 128;
                uint256 bestBid;
                uint256 bestAsk = 100;
                for (uint256 t = 1; t < 100; ++t) {
                    if ((bids >> t) & 1 == 1) bestBid = t;
                    if ((asks >> (100 - t)) & 1 == 1) bestAsk = 100 - t;
                }
                (uint256 vb, uint256 va) = lens.bestPrices(id, b);
                assertEq(vb, bestBid, "bestPrices bid == best live bid");
                assertEq(va, bestAsk, "bestPrices offer == best live offer");
                assertLt(bestBid, bestAsk, "the live book is never crossed");
            }
        }
    }

    /// @notice The book stores no trader: every live order on an open root is listed by the trader who placed
    /// it (its `OrderAccepted`) and by no other trader, which is what self-trade prevention and `cancel` read.
    function check_ownersListTheirOrders(Pass memory p) internal view {
        for (uint256 k; k < 3; ++k) {
            if (p.roots[k].status != 0) continue; // redeeming on a final root clears the trader's lists
            uint256 id = h.roots(k);
            uint64[][4] memory lists;
            for (uint256 a; a < 4; ++a) (, , , , lists[a]) = lens.traderRoot(h.actors(a), id);
            uint256 n = h.ghostCount();
            for (uint256 i; i < n; ++i) {
                uint256 key = h.ghostKeys(i);
                if (key >> 56 != id || h.ghostRem(key) == 0) continue;
                address owner_ = h.ghostTrader(key);
                for (uint256 a; a < 4; ++a) {
                    bool listed = _listsKey(lists[a], id, key);
                    assertEq(listed, h.actors(a) == owner_, "a live order is listed by its own trader alone");
                }
            }
        }
    }

    /// @notice Whether a trader's list of refs on root `id` names order `key` (a ref's key: root, branch and
    /// tick above the level's index; the side bit dropped).
    function _listsKey(uint64[] memory list, uint256 id, uint256 key) internal pure returns (bool) {
        for (uint256 j; j < list.length; ++j) {
            uint64 ref = list[j];
            if ((((((id << 16) | (ref >> 48)) << 8) | uint8(ref >> 40)) << 32) | uint32(ref) == key) return true;
        }
        return false;
    }

    /// @notice The issue's phantom level and a relay with maxLevels 0, driven through the handler: the ghost
    /// checks hold, the relay is refused (nothing consumed) and a post-only offer rests where the phantom was.
    function test_handlerGhost_phantomScenarioAndRelay() public {
        h.deposit(0, 1e9, false);
        h.deposit(1, 1e9, false);
        h.deposit(2, 1e9, false);
        h.place(0, 0, 0, 50, 2, 0, 3); // A bids 2 at 50
        h.place(2, 0, 0, 50, 3, 0, 3); // C bids 3 at 50
        h.cancel(2, 0, 0); // C cancels (not first in line)
        h.place(1, 0, 0, 50, -2, 0, 3); // B offers 2 at 50: fills A exactly
        invariant_allMarketProperties(); // the book equals the ghost set right here
        (uint256 bid, ) = lens.bestPrices(h.roots(0), 1);
        assertEq(bid, 0, "no phantom level");
        h.place(1, 0, 0, 50, -1, 2, 3); // B's post-only offer 1 at 50 rests
        assertEq(h.placesOk(), 4);
        h.place(0, 0, 0, 45, 1, 0, 3); // a bid at 45 ...
        h.deposit(3, 1e9, false);
        h.relay(3, 0, 0, 44, -1, 0, 0); // ... crossed by a relayed offer with maxLevels 0: refused
        assertEq(h.relaysRefused(), 1, "a relayed crossing order with maxLevels 0 is refused");
        assertEq(h.relaysOk(), 0);
        h.relay(3, 0, 0, 44, -1, 0, 5);
        assertEq(h.relaysOk(), 1);
        invariant_allMarketProperties();
    }

    /// @notice The handler's stranger really tries: another actor's cancel of a live order is refused with
    /// `NotYourOrder`, and the order still rests; its own trader's cancel goes through.
    function test_handlerStranger_cannotCancelAnothersOrder() public {
        h.deposit(0, 1e9, false);
        h.deposit(1, 1e9, false);
        h.place(0, 0, 0, 50, 2, 0, 3); // A bids 2 at 50
        uint256 key = h.ghostKeys(0);
        h.cancelOther(1, 0, 0); // B tries A's order
        assertEq(h.strangersRefused(), 1, "the stranger's cancel was tried and refused");
        assertFalse(h.strangerCancelled());
        (uint256 remaining, ) = lens.restingOrder(key);
        assertEq(remaining, 2, "A's order still rests");
        h.cancelOther(0, 0, 0); // A is the order's own trader: no stranger's attempt to make
        assertEq(h.strangersRefused(), 1);
        h.cancel(0, 0, 0);
        (remaining, ) = lens.restingOrder(key);
        assertEq(remaining, 0, "its own trader cancels it");
        invariant_allMarketProperties();
    }

    /// @notice The handler really trades: a fixed sequence through it places, fills, settles and redeems.
    function test_handlerDrivesTradesAndSettlement() public {
        h.deposit(0, 1e9, false);
        h.deposit(1, 1e9, false);
        h.place(0, 0, 0, 50, 10, 0, 3);
        h.place(1, 0, 0, 45, -4, 0, 3);
        assertEq(h.placesOk(), 2);
        assertEq(h.fillsSeen(), 1);
        h.settle(0, 21);
        h.redeem(0, 0);
        h.redeem(0, 1);
        assertEq(h.redeemedSum(h.roots(0)), 0);
        assertEq(h.redeemedPayout(h.roots(0), h.actors(0)), int256((4 * (100 * 100 * 21)) / 30));
        invariant_allMarketProperties();
    }

    /// @notice Two traders with positions and resting orders on all three markets of one root, so the snapshot's
    /// market slots 1 and 2 are unpacked (and compacted, and written back) by pointer; then a cancel of one
    /// market's orders, a sync and a settlement with redemptions. Every property holds after each step, and no
    /// call panics. (The quick profile's short random sequences rarely give one trader a second market on a
    /// root; this case runs in every `npm test`.)
    function test_handlerThreeMarketsOneRoot() public {
        h.deposit(0, 1e9, false);
        h.deposit(1, 1e9, false);
        for (uint256 b; b < 3; ++b) h.place(0, 0, b, 50, 10, 0, 3); // actor 0 bids 10 at 50 on each market
        for (uint256 b; b < 3; ++b) h.place(1, 0, b, 48, -4, 0, 3); // actor 1 sells 4 into each bid
        for (uint256 a; a < 2; ++a) {
            (, , uint16[] memory branches, int64[] memory positions, uint64[] memory refs) = lens.traderRoot(
                h.actors(a),
                h.roots(0)
            );
            assertEq(branches.length, 3, "three markets held on the root");
            assertEq(refs.length, a == 0 ? 3 : 0, "the bids rest with 6 left each; the sells traded in full");
            // Actor 0's fills are credited lazily (the lens reads the stored words): its positions are still 0.
            if (a == 1) for (uint256 i; i < 3; ++i) assertEq(positions[i], -4, "the seller's position on each");
        }
        for (uint256 b = 1; b <= 3; ++b) {
            int256 pos = lens.positionOf(h.actors(0), h.roots(0), uint16(b));
            assertEq(pos, 4, "the buyer's effective position on each market");
        }
        invariant_allMarketProperties();
        h.cancelMarket(0, 0, 2); // branch 2 % (3 + 1): market #2's orders
        h.sync(0, 0);
        (, , uint16[] memory kept, , uint64[] memory left) = lens.traderRoot(h.actors(0), h.roots(0));
        assertEq(kept.length, 3, "the positions keep all three markets");
        assertEq(left.length, 2, "two bids still rest");
        invariant_allMarketProperties();
        h.settle(0, 21);
        h.redeem(0, 0);
        h.redeem(0, 1);
        invariant_allMarketProperties(); // property 12 included: no call panicked
    }

    /// @notice Found by the deep profile: once one side of a trade redeems, its positions read zero while the
    /// other side's remain; the positions property counts the redeemed ones as they stood.
    function test_handlerOneSideRedeemed_positionsStillNet() public {
        h.deposit(0, 1e9, false);
        h.deposit(1, 1e9, false);
        h.place(0, 0, 0, 50, 10, 0, 3);
        h.place(1, 0, 0, 45, -4, 0, 3);
        h.settle(0, 21);
        h.redeem(0, 0);
        assertEq(h.redeemedPos(h.roots(0), 1), 4, "the redeemed long's 4 contracts are remembered");
        (int256[] memory pos, , , ) = lens.exposure(h.actors(1), h.roots(0));
        assertEq(pos[1], -4, "the unredeemed short still reads its position");
        invariant_allMarketProperties();
    }

    /// @notice Every property of docs/invariants.md (bounded-payoff markets) after every call of every random sequence. One
    /// invariant (one campaign) with one view call per trader and root keeps the deep profile affordable;
    /// each check names its property.
    function invariant_allMarketProperties() public view {
        Pass memory p = _load();
        check_tokenAccounting(p);
        check_storedCheckHolds();
        check_everyOutcomeCovered(p);
        check_finalPayoutsNetToZero(p);
        check_positionsNetToZero(p);
        check_hashChainMatchesEvents(p);
        check_isolation();
        check_rangesOnlyNarrow(p);
        check_bookMatchesLiveOrders(p);
        check_ownersListTheirOrders(p);
        check_noPanic();
    }

    /// @notice 12. No call panics: every refusal the handlers met was a named error or an empty revert.
    function check_noPanic() internal view {
        assertFalse(h.panicked(), string.concat("a call panicked: ", vm.toString(h.panicData())));
    }
}
