// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Hostile tokens for the devnet tests
/// @notice ERC-20s that break the assumptions a router makes: fees taken on transfer, balances
/// that change by themselves, addresses refused, no return value, decimals() that reverts or
/// does not exist. Anyone may mint: these only ever live on a throwaway chain.

/// A plain mintable ERC-20 whose transfer logic subclasses can change.
abstract contract BaseToken {
    string public name;
    string public symbol;
    uint256 public totalSupply;
    mapping(address => uint256) internal balances;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
    }

    function balanceOf(address who) public view virtual returns (uint256) {
        return balances[who];
    }

    function mint(address to, uint256 amount) external virtual {
        totalSupply += amount;
        balances[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external virtual returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external virtual returns (bool) {
        _spend(from, amount);
        _move(from, to, amount);
        return true;
    }

    function _spend(address from, uint256 amount) internal {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= amount, "allowance");
            allowance[from][msg.sender] = allowed - amount;
        }
    }

    function _move(address from, address to, uint256 amount) internal virtual {
        require(balances[from] >= amount, "balance");
        balances[from] -= amount;
        balances[to] += amount;
        emit Transfer(from, to, amount);
    }
}

/// Burns `feeBps` of every transfer: the recipient gets less than was sent.
contract FeeOnTransferToken is BaseToken {
    uint8 public constant decimals = 18;
    uint256 public immutable feeBps;

    constructor(uint256 feeBps_) BaseToken("Fee Token", "FOT") {
        feeBps = feeBps_;
    }

    function _move(address from, address to, uint256 amount) internal override {
        require(balances[from] >= amount, "balance");
        uint256 fee = amount * feeBps / 10_000;
        balances[from] -= amount;
        balances[to] += amount - fee;
        totalSupply -= fee;
        emit Transfer(from, to, amount - fee);
    }
}

/// Balances are shares times an index that shrinks with time (a negative rebase of
/// `decayPerDayBps` a day): every holder's balance changes with no transfer at all.
contract RebasingToken is BaseToken {
    uint8 public constant decimals = 18;
    uint256 private constant ONE = 1e18;
    uint256 public immutable start;
    uint256 public immutable decayPerDayBps;

    constructor(uint256 decayPerDayBps_) BaseToken("Rebase Token", "REB") {
        start = block.timestamp;
        decayPerDayBps = decayPerDayBps_;
    }

    function index() public view returns (uint256) {
        uint256 drop = ONE * decayPerDayBps * (block.timestamp - start) / (10_000 * 1 days);
        return drop >= ONE / 2 ? ONE / 2 : ONE - drop;
    }

    function balanceOf(address who) public view override returns (uint256) {
        return balances[who] * index() / ONE;
    }

    function mint(address to, uint256 amount) external override {
        uint256 shares = amount * ONE / index();
        totalSupply += amount;
        balances[to] += shares;
        emit Transfer(address(0), to, amount);
    }

    function _move(address from, address to, uint256 amount) internal override {
        uint256 shares = amount * ONE / index();
        require(balances[from] >= shares, "balance");
        balances[from] -= shares;
        balances[to] += shares;
        emit Transfer(from, to, amount);
    }
}

/// The owner can refuse any address, as USDC and USDT do.
contract BlacklistToken is BaseToken {
    uint8 public constant decimals = 18;
    address public immutable owner;
    mapping(address => bool) public blacklisted;

    constructor() BaseToken("Blacklist Token", "BLK") {
        owner = msg.sender;
    }

    function setBlacklisted(address who, bool value) external {
        require(msg.sender == owner, "owner");
        blacklisted[who] = value;
    }

    function _move(address from, address to, uint256 amount) internal override {
        require(!blacklisted[from] && !blacklisted[to], "Blacklisted");
        super._move(from, to, amount);
    }
}

/// transfer, transferFrom and approve return nothing, like USDT on mainnet. Routers that use a
/// safe-transfer helper (Uniswap's do) cope; a plain IERC20 call would revert on decoding.
contract NoReturnToken {
    string public name = "No Return Token";
    string public symbol = "NRT";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);

    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= amount, "allowance");
            allowance[from][msg.sender] = allowed - amount;
        }
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        require(balanceOf[from] >= amount, "balance");
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}

/// transfer returns false instead of reverting, and moves nothing.
contract FalseReturnToken is BaseToken {
    uint8 public constant decimals = 18;

    constructor() BaseToken("False Token", "FLS") {}

    function transfer(address, uint256) external pure override returns (bool) {
        return false;
    }
}

/// decimals() reverts.
contract DecimalsRevertToken is BaseToken {
    constructor() BaseToken("Decimals Revert", "DRV") {}

    function decimals() external pure returns (uint8) {
        revert("no decimals here");
    }
}

/// No decimals() at all: the call hits no function and returns nothing.
contract NoDecimalsToken is BaseToken {
    constructor() BaseToken("No Decimals", "NDC") {}

    fallback() external {}
}
