// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {FeeMath} from "../shared/fees/FeeMath.sol";
import {FixingSpec, OracleFixing} from "../shared/oracle/OracleFixing.sol";
import {SessionOracle} from "./SessionOracle.sol";
import {SessionCore} from "./SessionCore.sol";
import {LegConfig, MarginConfig, Participation, SessionConfig, SessionKind, SettlementMode} from "./SessionTypes.sol";
import {MarginModule} from "./margin/MarginModule.sol";

/// @title SessionFactory
/// @notice Validates a {SessionConfig} and deploys the session as a minimal clone (with the configuration as
/// immutable args) of the physical or cash implementation. Each session's tokens sit in its own clone.
contract SessionFactory {
    /// @notice Most legs a session may have (bounds every per-leg loop).
    uint256 public constant MAX_LEGS = 32;
    /// @notice Highest cap of a cash leg (WAD quote per unit): keeps every value product inside int256.
    uint256 public constant MAX_PRICE = 1e30;

    /// @notice Implementation cloned for physical sessions.
    address public immutable physicalImplementation;
    /// @notice Implementation cloned for cash-settled sessions.
    address public immutable cashImplementation;
    /// @notice Implementation cloned for margin sessions.
    address public immutable marginImplementation;

    /// @notice Oracle adapter every session created here fixes through.
    address public immutable oracle;

    /// @notice Whether an address is a session created here.
    mapping(address => bool) public isSession;
    /// @notice Every session created here, in order.
    address[] public sessions;

    /// @notice Emitted after `session` was created by `creator`.
    event SessionCreated(
        address indexed session,
        address indexed creator,
        SessionKind kind,
        SettlementMode mode,
        uint256 legCount,
        uint256 t1,
        uint256 t2,
        uint256 fallbackDeadline
    );

    /// @notice The configuration field `field` (of leg `index`, where it applies) is invalid.
    error InvalidConfig(string field, uint256 index);

    /// @param physical Implementation of {PhysicalSession}.
    /// @param cash Implementation of {CashSession}.
    /// @param margin Implementation of {MarginSession}.
    /// @param oracle_ The {SessionOracle} adapter.
    constructor(address physical, address cash, address margin, address oracle_) {
        if (oracle_.code.length == 0) revert InvalidConfig("oracle", 0);
        oracle = oracle_;
        if (physical.code.length == 0) revert InvalidConfig("physicalImplementation", 0);
        if (cash.code.length == 0) revert InvalidConfig("cashImplementation", 0);
        if (margin.code.length == 0) revert InvalidConfig("marginImplementation", 0);
        physicalImplementation = physical;
        cashImplementation = cash;
        marginImplementation = margin;
    }

    /// @notice Number of sessions created.
    function sessionCount() external view returns (uint256) {
        return sessions.length;
    }

    /// @notice Creates a session from `cfg`. Anyone may call; the caller pays the deployment.
    /// @return session The new session clone.
    function createSession(SessionConfig calldata cfg) external returns (address session) {
        if (cfg.kind == SessionKind.Margin) revert InvalidConfig("kind", uint256(cfg.kind));
        session = _create(cfg, cfg.kind == SessionKind.Physical ? physicalImplementation : cashImplementation);
    }

    /// @notice Creates a margin session (`cfg.kind == Margin`, mode `ValueWeighted`) with its risk parameters
    /// `margin` (validated by the session; a bad one reverts with `InvalidMarginConfig(field, value)`).
    /// @return session The new session clone.
    function createMarginSession(
        SessionConfig calldata cfg,
        MarginConfig calldata margin
    ) external returns (address session) {
        if (cfg.kind != SessionKind.Margin) revert InvalidConfig("kind", uint256(cfg.kind));
        session = _create(cfg, marginImplementation);
        // Runs in the session through its fallback (the margin module), in the creating transaction.
        MarginModule(session).configureMargin(margin);
    }

    function _create(SessionConfig calldata cfg, address implementation) private returns (address session) {
        bytes memory args = _validateAndEncode(cfg);
        session = Clones.cloneWithImmutableArgs(implementation, args);
        SessionCore(session).initialize(cfg.admin, cfg.guardian == address(0) ? cfg.admin : cfg.guardian);
        isSession[session] = true;
        sessions.push(session);
        emit SessionCreated(
            session,
            msg.sender,
            cfg.kind,
            cfg.mode,
            cfg.legs.length,
            cfg.t1,
            cfg.t2,
            cfg.fallbackDeadline
        );
    }

    /// @notice Validates `cfg` as {createSession} would and returns the clone's immutable args.
    function encodeArgs(SessionConfig calldata cfg) external view returns (bytes memory) {
        return _validateAndEncode(cfg);
    }

    function _validateAndEncode(SessionConfig calldata cfg) private view returns (bytes memory args) {
        uint256 n = cfg.legs.length;
        if (n == 0 || n > MAX_LEGS) revert InvalidConfig("legs", n);
        if (cfg.t1 < block.timestamp) revert InvalidConfig("t1", cfg.t1);
        if (cfg.t2 <= cfg.t1) revert InvalidConfig("t2", cfg.t2);
        if (cfg.fallbackDeadline <= cfg.t2) revert InvalidConfig("fallbackDeadline", cfg.fallbackDeadline);
        if (cfg.claimDeadline < cfg.fallbackDeadline) revert InvalidConfig("claimDeadline", cfg.claimDeadline);
        if (cfg.takerFeeBps > FeeMath.MAX_FEE_BPS) revert InvalidConfig("takerFeeBps", cfg.takerFeeBps);
        if (cfg.makerFeeBps > FeeMath.MAX_FEE_BPS) revert InvalidConfig("makerFeeBps", cfg.makerFeeBps);
        if (cfg.feeRecipient == address(0)) revert InvalidConfig("feeRecipient", 0);
        if (cfg.admin == address(0)) revert InvalidConfig("admin", 0);
        if (cfg.participation == Participation.Merkle && cfg.merkleRoot == bytes32(0)) {
            revert InvalidConfig("merkleRoot", 0);
        }
        bool physical = cfg.kind != SessionKind.Cash;
        if (
            physical
                ? cfg.mode == SettlementMode.Cash ||
                    (cfg.kind == SessionKind.Margin && cfg.mode != SettlementMode.ValueWeighted)
                : cfg.mode != SettlementMode.Cash
        ) {
            revert InvalidConfig("mode", uint256(cfg.mode));
        }
        uint256 collateralDecimals;
        if (physical) {
            if (cfg.collateral != address(0)) revert InvalidConfig("collateral", 0);
        } else {
            collateralDecimals = _decimals(cfg.collateral, "collateral", 0);
        }

        uint256[] memory words = new uint256[](5 + 3 * n);
        words[0] =
            uint256(uint160(cfg.feeRecipient)) |
            (uint256(cfg.takerFeeBps) << 160) |
            (uint256(cfg.makerFeeBps) << 176) |
            (n << 192) |
            (uint256(cfg.kind) << 200) |
            (uint256(cfg.participation) << 208) |
            (uint256(cfg.mode) << 216);
        words[1] =
            uint256(cfg.t1) |
            (uint256(cfg.t2) << 40) |
            (uint256(cfg.fallbackDeadline) << 80) |
            (uint256(cfg.claimDeadline) << 120);
        words[2] = uint256(cfg.merkleRoot);
        words[3] = uint256(uint160(cfg.collateral)) | (collateralDecimals << 160);
        words[4] = uint256(uint160(oracle));
        FixingSpec[] memory specs = new FixingSpec[](n);
        for (uint256 k; k < n; ++k) {
            LegConfig calldata l = cfg.legs[k];
            if (l.unit == 0 || l.unit > type(uint128).max) revert InvalidConfig("unit", k);
            uint256 dec;
            if (physical) {
                dec = _decimals(l.token, "token", k);
                for (uint256 i; i < k; ++i) {
                    if (cfg.legs[i].token == l.token) revert InvalidConfig("token", k);
                }
                if (l.floor != 0 || l.cap != 0) revert InvalidConfig("floor", k);
            } else {
                if (l.token != address(0)) revert InvalidConfig("token", k);
                if (l.floor == 0) revert InvalidConfig("floor", k);
                if (l.cap < l.floor || l.cap > MAX_PRICE) revert InvalidConfig("cap", k);
            }
            OracleFixing.validate(l.fixing);
            specs[k] = l.fixing;
            words[5 + k] = uint256(uint160(l.token)) | (dec << 160);
            words[5 + n + k] = l.unit;
            words[5 + 2 * n + k] = l.floor | (l.cap << 128);
        }
        args = bytes.concat(abi.encodePacked(words), abi.encode(specs));
    }

    function _decimals(address token, string memory field, uint256 index) private view returns (uint256) {
        if (token.code.length == 0) revert InvalidConfig(field, index);
        try IERC20Metadata(token).decimals() returns (uint8 d) {
            if (d > 18) revert InvalidConfig(field, index);
            return d;
        } catch {
            revert InvalidConfig(field, index);
        }
    }
}
