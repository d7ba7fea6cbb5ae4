// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {BoundedMarkets} from "../../../contracts/markets/BoundedMarkets.sol";
import {BoundedMarketsAdmin} from "../../../contracts/markets/BoundedMarketsAdmin.sol";
import {BoundedMarketsLens} from "../../../contracts/markets/BoundedMarketsLens.sol";
import {MarketStorage} from "../../../contracts/markets/MarketStorage.sol";
import {Order} from "../../../contracts/markets/libraries/MarketOrders.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";

/// @notice Shared fixture: a core, a 6-decimal collateral token, traders with keys, helpers for roots and orders.
abstract contract MarketsBase is Test {
    BoundedMarkets internal core;
    BoundedMarketsAdmin internal admin; // the core's address seen through the admin module's ABI
    BoundedMarketsLens internal adm; // the core's address seen through the lens's ABI (views)
    MockERC20 internal usdc;

    uint64 internal constant SCALE = 10_000; // 1 contract pays 100 * 10_000 = 1e6 units = 1 USDC
    uint256 internal constant UNIT = 1_000_000;

    uint256 internal constant PK1 = 0xA11CE;
    uint256 internal constant PK2 = 0xB0B;
    uint256 internal constant PK3 = 0xCA401;
    address internal t1;
    address internal t2;
    address internal t3;
    address internal owner = address(0x0A11);
    address internal reporter = address(0x0BEE);
    uint256 internal salt;

    function setUp() public virtual {
        vm.warp(1_000_000);
        core = new BoundedMarkets(address(new BoundedMarketsAdmin()));
        admin = BoundedMarketsAdmin(address(core));
        adm = BoundedMarketsLens(address(core));
        usdc = new MockERC20("USD Coin", "USDC", 6);
        t1 = vm.addr(PK1);
        t2 = vm.addr(PK2);
        t3 = vm.addr(PK3);
    }

    function _params(int128 min, int128 max) internal view returns (MarketStorage.RootParams memory p) {
        p = MarketStorage.RootParams({
            collateral: IERC20(address(usdc)),
            unitScale: SCALE,
            decimals: 0,
            min: min,
            max: max,
            expiry: uint64(block.timestamp + 1 days),
            voidDeadline: uint64(block.timestamp + 10 days),
            source: 0,
            reporter: address(0),
            disputeWindow: 0
        });
    }

    function _root(int128 min, int128 max) internal returns (uint256 rootId) {
        vm.prank(owner);
        rootId = admin.createRoot(_params(min, max));
    }

    function _callbackRoot(int128 min, int128 max, uint32 window) internal returns (uint256 rootId) {
        MarketStorage.RootParams memory p = _params(min, max);
        p.source = 1;
        p.reporter = reporter;
        p.disputeWindow = window;
        vm.prank(owner);
        rootId = admin.createRoot(p);
    }

    function _fund(address who, uint256 amount) internal {
        usdc.mint(who, amount);
        vm.startPrank(who);
        usdc.approve(address(core), amount);
        core.deposit(IERC20(address(usdc)), amount);
        vm.stopPrank();
    }

    function _order(
        address trader,
        uint256 rootId,
        uint16 branch,
        uint8 tick,
        int64 qty
    ) internal returns (Order memory o) {
        o = Order({
            rootId: uint64(rootId),
            branchId: branch,
            tick: tick,
            quantity: qty,
            orderType: 0,
            expiry: uint64(block.timestamp + 1 days),
            nonce: 0,
            salt: ++salt,
            trader: trader
        });
    }

    /// @notice The trader places its own order (no signature).
    function _place(
        address trader,
        uint256 rootId,
        uint16 branch,
        uint8 tick,
        int64 qty
    ) internal returns (uint256 key, uint256 traded) {
        Order memory o = _order(trader, rootId, branch, tick, qty);
        vm.prank(trader);
        (key, traded) = core.place(o, "", 16);
    }

    function _placeType(
        address trader,
        uint256 rootId,
        uint8 tick,
        int64 qty,
        uint8 orderType,
        uint256 maxLevels
    ) internal returns (uint256 key, uint256 traded) {
        Order memory o = _order(trader, rootId, 1, tick, qty);
        o.orderType = orderType;
        vm.prank(trader);
        (key, traded) = core.place(o, "", maxLevels);
    }

    function _sign(uint256 pk, Order memory o) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, core.orderDigest(o));
        return abi.encodePacked(r, s, v);
    }

    function _cash(address who) internal view returns (int256 cash) {
        (cash, , ) = adm.account(who, IERC20(address(usdc)));
    }

    function _sumWorst(address who) internal view returns (int256 s) {
        (, s, ) = adm.account(who, IERC20(address(usdc)));
    }

    function _pos(address who, uint256 rootId, uint16 branch) internal view returns (int256) {
        return adm.positionOf(who, rootId, branch);
    }

    function _head(uint256 rootId) internal view returns (bytes32) {
        return adm.root(rootId).head;
    }
}
