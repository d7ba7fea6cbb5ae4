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
    mapping(uint256 rootId => bytes32) public ghostHead;
    mapping(uint256 rootId => bool) public chainBroken;
    mapping(uint256 rootId => int256) public lastLo;
    mapping(uint256 rootId => int256) public lastHi;
    bool public rangeWidened;
    uint256 public fillsSeen;
    uint256 public placesOk;
    uint256 public bystanderCash;
    uint256 internal salt;

    constructor() {
        vm.warp(1_000_000);
        core = new BoundedMarkets(address(new BoundedMarketsAdmin()));
        admin = BoundedMarketsAdmin(address(core));
        lens = BoundedMarketsLens(address(core));
        usdc = new MockERC20("USD Coin", "USDC", 6);
        dai = new MockERC20("Dai", "DAI", 18);
        for (uint256 i; i < 4; ++i) actors[i] = address(uint160(0x1000 + i));
        vm.recordLogs();
        vm.startPrank(owner);
        roots[0] = admin.createRoot(_params(usdc, 0, 100, 1 days, 2 days));
        admin.createSub(roots[0], 1, 20, 60);
        admin.createSub(roots[0], 2, 30, 50);
        roots[1] = admin.createRoot(_params(usdc, -50, 50, 1 days, 2 days));
        admin.createSub(roots[1], 1, -10, 10);
        roots[2] = admin.createRoot(_params(dai, 0, 100, 2 hours, 4 hours));
        admin.createSub(roots[2], 1, 0, 50);
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

    function _params(MockERC20 token, int128 min, int128 max, uint64 expiryIn, uint64 voidIn)
        internal
        view
        returns (MarketStorage.RootParams memory)
    {
        return MarketStorage.RootParams({
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
        } catch {
            _dropLogs();
        }
    }

    function place(uint256 a, uint256 rootIdx, uint256 branch, uint256 tick, int256 qty, uint256 orderType, uint256 maxLevels) external {
        rootIdx %= 3;
        address who = actors[a % 4];
        qty = bound(qty, -50, 50);
        if (qty == 0) qty = 1;
        Order memory o = Order({
            rootId: uint64(roots[rootIdx]),
            branchId: uint16(1 + (branch % branchCount[rootIdx])),
            tick: uint8(bound(tick, 1, 99)),
            quantity: int64(qty),
            orderType: uint8(orderType % 3),
            expiry: uint64(block.timestamp + 1 days),
            nonce: 0,
            salt: ++salt,
            trader: who
        });
        vm.prank(who);
        try core.place(o, "", bound(maxLevels, 0, 5)) {
            ++placesOk;
            _consumeLogs();
        } catch {
            _dropLogs();
        }
    }

    function cancel(uint256 a, uint256 rootIdx, uint256 which) external {
        rootIdx %= 3;
        address who = actors[a % 4];
        (,,,, uint64[] memory refs) = lens.traderRoot(who, roots[rootIdx]);
        if (refs.length == 0) return;
        uint64 ref = refs[which % refs.length];
        uint256 key = lens.orderKeyOf(roots[rootIdx], uint16(ref >> 48), uint8(ref >> 40), uint32(ref));
        vm.prank(who);
        try core.cancel(key) {
            _consumeLogs();
        } catch {
            _dropLogs();
        }
    }

    function cancelMarket(uint256 a, uint256 rootIdx, uint256 branch) external {
        rootIdx %= 3;
        vm.prank(actors[a % 4]);
        try core.cancelMarket(roots[rootIdx], uint16(branch % (branchCount[rootIdx] + 1))) {
            _consumeLogs();
        } catch {
            _dropLogs();
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
        } catch {
            _dropLogs();
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
        } catch {
            _dropLogs();
        }
        _trackRange(id);
    }

    function passTime(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 3 hours));
    }

    function voidRoot(uint256 rootIdx) external {
        try admin.voidRoot(roots[rootIdx % 3]) {
            _consumeLogs();
        } catch {
            _dropLogs();
        }
    }

    function redeem(uint256 rootIdx, uint256 a) external {
        uint256 id = roots[rootIdx % 3];
        address who = actors[a % 4];
        try core.redeem(id, who) returns (int256 payout) {
            redeemedPayout[id][who] += payout;
            redeemedSum[id] += payout;
            _consumeLogs();
        } catch {
            _dropLogs();
        }
    }

    function sync(uint256 a, uint256 rootIdx) external {
        vm.prank(actors[a % 4]);
        try core.sync(roots[rootIdx % 3]) {
            _consumeLogs();
        } catch {
            _dropLogs();
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
                (uint256 orderKey,,,, bytes32 h) = abi.decode(l.data, (uint256, Order, bytes, address, bytes32));
                rec = keccak256(abi.encode(prev, uint8(1), l.topics[2], orderKey));
                head = h;
            } else if (t0 == Ev.OrderFilled.selector) {
                ++fillsSeen;
                (,,, uint8 tick, uint64 q,, bytes32 h) = abi.decode(l.data, (address, address, uint16, uint8, uint64, bool, bytes32));
                rec = keccak256(abi.encode(prev, uint8(2), uint256(l.topics[2]), l.topics[3], uint256(tick), uint256(q)));
                head = h;
            } else if (t0 == Ev.OrderReduced.selector) {
                (, uint64 q, uint8 reason, bytes32 h) = abi.decode(l.data, (address, uint64, uint8, bytes32));
                rec = keccak256(abi.encode(prev, uint8(3), uint256(l.topics[2]), l.topics[3], uint256(q), reason));
                head = h;
            } else if (t0 == Ev.BoundsPosted.selector) {
                (, int256 nMin, int256 nMax, int256 lo, int256 hi, bytes32 h) =
                    abi.decode(l.data, (address, int256, int256, int256, int256, bytes32));
                rec = keccak256(abi.encode(prev, uint8(4), uint16(uint256(l.topics[2])), nMin, nMax, lo, hi));
                head = h;
            } else if (t0 == Ev.RootSettled.selector) {
                (int256 x,, bytes32 h) = abi.decode(l.data, (int256, uint8, bytes32));
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
    }
}

/// @notice Invariants of docs/invariants-markets.md over the handler's random sequences.
contract MarketsInvariantTest is StdInvariant, Test {
    MarketsHandler internal h;
    BoundedMarketsLens internal lens;

    function setUp() public {
        h = new MarketsHandler();
        lens = h.lens();
        targetContract(address(h));
    }

    function _effCash(address who, MockERC20 token) internal view returns (int256 cash) {
        (cash,,) = lens.account(who, IERC20(address(token)));
        for (uint256 k; k < 3; ++k) {
            uint256 id = h.roots(k);
            if (address(lens.root(id).collateral) != address(token)) continue;
            (, int256 pending) = lens.previewWorst(who, id);
            cash += pending;
        }
    }

    function _checkToken(MockERC20 token) internal view {
        uint256 bal = token.balanceOf(address(h.core()));
        assertEq(bal, h.deposited(address(token)) - h.withdrawn(address(token)));
        int256 sum = _effCash(h.bystander(), token);
        for (uint256 i; i < 4; ++i) sum += _effCash(h.actors(i), token);
        int256 redeemed;
        for (uint256 k; k < 3; ++k) {
            uint256 id = h.roots(k);
            if (address(lens.root(id).collateral) == address(token)) redeemed += h.redeemedSum(id);
        }
        assertEq(sum, int256(bal) + redeemed);
    }

    /// @notice The handler really trades: a fixed sequence through it places, fills, settles and redeems.
    function test_handlerDrivesTradesAndSettlement() public {
        h.deposit(0, 1e9, false);
        h.deposit(1, 1e9, false);
        h.place(0, 0, 0, 50, 10, 0, 3);
        h.place(1, 0, 0, 40, -4, 0, 3);
        assertEq(h.placesOk(), 2);
        assertEq(h.fillsSeen(), 1);
        h.settle(0, 70);
        h.redeem(0, 0);
        h.redeem(0, 1);
        assertEq(h.redeemedSum(h.roots(0)), 0);
        assertEq(h.redeemedPayout(h.roots(0), h.actors(0)), int256(4 * 70 * 100 * 100 / 100));
        invariant_everyOutcomeCovered();
        invariant_hashChainMatchesEvents();
    }

    function invariant_tokenAccounting() public view {
        _checkToken(h.usdc());
        _checkToken(h.dai());
    }

    function invariant_storedCheckHolds() public view {
        for (uint256 i; i < 4; ++i) {
            (int256 c1, int256 s1,) = lens.account(h.actors(i), IERC20(address(h.usdc())));
            (int256 c2, int256 s2,) = lens.account(h.actors(i), IERC20(address(h.dai())));
            assertGe(c1 + s1, 0);
            assertGe(c2 + s2, 0);
        }
    }

    /// @notice Brute force: positions only (what has traded), every integer outcome, plus the void case.
    function _rootWorst(address who, uint256 id) internal view returns (int256 worst) {
        MarketStorage.Root memory r = lens.root(id);
        (, int256 premium,,,) = lens.traderRoot(who, id);
        (, int256 pending) = lens.previewWorst(who, id);
        premium -= pending; // pending cash of maker fills is the premium they still add
        uint256 unit = 100 * uint256(r.unitScale);
        uint16 nb = r.branchCount;
        int256[] memory pos = new int256[](nb + 1);
        int256[] memory mins = new int256[](nb + 1);
        int256[] memory maxs = new int256[](nb + 1);
        for (uint16 b = 1; b <= nb; ++b) {
            pos[b] = lens.positionOf(who, id, b);
            (int128 mn, int128 mx) = lens.market(id, b);
            mins[b] = mn;
            maxs[b] = mx;
        }
        worst = type(int256).max;
        if (r.status == 2) return premium;
        for (int256 x = r.lo; x <= r.hi; ++x) {
            int256 w;
            for (uint16 b = 1; b <= nb; ++b) {
                if (pos[b] != 0) w += pos[b] * int256(PayoffMath.payoffDown(x, mins[b], maxs[b], unit));
            }
            if (w < worst) worst = w;
        }
        if (r.status == 0 && premium < worst) worst = premium;
    }

    function invariant_everyOutcomeCovered() public view {
        for (uint256 i; i < 4; ++i) {
            address who = h.actors(i);
            int256 usdcSide = _effCash(who, h.usdc());
            int256 daiSide = _effCash(who, h.dai());
            for (uint256 k; k < 3; ++k) {
                uint256 id = h.roots(k);
                int256 w = _rootWorst(who, id);
                if (k == 2) daiSide += w;
                else usdcSide += w;
            }
            assertGe(usdcSide, 0);
            assertGe(daiSide, 0);
        }
    }

    function invariant_finalPayoutsNetToZero() public view {
        for (uint256 k; k < 3; ++k) {
            uint256 id = h.roots(k);
            if (lens.root(id).status == 0) continue;
            int256 sum;
            for (uint256 i; i < 4; ++i) {
                address who = h.actors(i);
                (int256 w,) = lens.previewWorst(who, id);
                sum += h.redeemedPayout(id, who) + w;
            }
            assertEq(sum, 0);
        }
    }

    function invariant_positionsNetToZero() public view {
        for (uint256 k; k < 3; ++k) {
            uint256 id = h.roots(k);
            uint16 nb = lens.root(id).branchCount;
            for (uint16 b = 1; b <= nb; ++b) {
                int256 sum;
                for (uint256 i; i < 4; ++i) sum += lens.positionOf(h.actors(i), id, b);
                assertEq(sum, 0);
            }
        }
    }

    function invariant_hashChainMatchesEvents() public view {
        for (uint256 k; k < 3; ++k) {
            uint256 id = h.roots(k);
            assertFalse(h.chainBroken(id));
            assertEq(h.ghostHead(id), lens.root(id).head);
        }
    }

    function invariant_isolation() public view {
        (int256 cash, int256 sumWorst, uint64[] memory rs) = lens.account(h.bystander(), IERC20(address(h.usdc())));
        assertEq(cash, int256(h.bystanderCash()));
        assertEq(sumWorst, 0);
        assertEq(rs.length, 0);
    }

    function invariant_rangesOnlyNarrow() public view {
        assertFalse(h.rangeWidened());
        for (uint256 k; k < 3; ++k) {
            MarketStorage.Root memory r = lens.root(h.roots(k));
            (int128 mn, int128 mx) = lens.market(h.roots(k), 1);
            assertGe(r.lo, mn);
            assertLe(r.hi, mx);
            assertLe(r.lo, r.hi);
            if (r.status == 1) assertEq(r.lo, r.hi);
        }
    }
}
