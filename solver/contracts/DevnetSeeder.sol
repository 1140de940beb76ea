// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface ISeederERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
}

interface ISeederV3Factory {
    function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address);
    function createPool(address tokenA, address tokenB, uint24 fee) external returns (address);
}

interface ISeederV3Pool {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function initialize(uint160 sqrtPriceX96) external;
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1);
}

interface ISeederV2Factory {
    function getPair(address tokenA, address tokenB) external view returns (address);
    function createPair(address tokenA, address tokenB) external returns (address);
}

interface ISeederV2Pair {
    function mint(address to) external returns (uint256 liquidity);
}

/// @title DevnetSeeder
/// @notice Fills a local chain's Uniswap pools with liquidity of an exact shape.
/// @dev V3: mintV3 adds, for each range, exactly the liquidity asked for (pool.mint takes a
/// liquidity amount, not token amounts) and pays what the pool asks in the callback. That is what
/// lets a real pool's tick list be rebuilt tick by tick. V2: seedV2 sends both reserves to the
/// pair and mints, so the reserves are exactly the amounts given. The seeder pays from its own
/// token balances, which the deployer funds beforehand.
contract DevnetSeeder {
    struct Range {
        int24 tickLower;
        int24 tickUpper;
        uint128 liquidity;
    }

    address private immutable owner;
    // The pool whose mint callback is expected, and its tokens; set only during mintV3.
    address private activePool;
    address private activeToken0;
    address private activeToken1;

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "DevnetSeeder: owner");
        _;
    }

    function createV3Pool(address factory, address tokenA, address tokenB, uint24 fee, uint160 sqrtPriceX96)
        external
        onlyOwner
        returns (address pool)
    {
        pool = ISeederV3Factory(factory).getPool(tokenA, tokenB, fee);
        if (pool == address(0)) {
            pool = ISeederV3Factory(factory).createPool(tokenA, tokenB, fee);
        }
        ISeederV3Pool(pool).initialize(sqrtPriceX96);
    }

    function mintV3(address pool, address recipient, Range[] calldata ranges) external onlyOwner {
        activePool = pool;
        activeToken0 = ISeederV3Pool(pool).token0();
        activeToken1 = ISeederV3Pool(pool).token1();
        for (uint256 i = 0; i < ranges.length; i++) {
            Range calldata r = ranges[i];
            ISeederV3Pool(pool).mint(recipient, r.tickLower, r.tickUpper, r.liquidity, "");
        }
        activePool = address(0);
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        require(msg.sender == activePool && msg.sender != address(0), "DevnetSeeder: caller");
        if (amount0Owed > 0) _pay(activeToken0, msg.sender, amount0Owed);
        if (amount1Owed > 0) _pay(activeToken1, msg.sender, amount1Owed);
    }

    function seedV2(address factory, address tokenA, address tokenB, uint256 amountA, uint256 amountB, address to)
        external
        onlyOwner
        returns (address pair)
    {
        pair = ISeederV2Factory(factory).getPair(tokenA, tokenB);
        if (pair == address(0)) {
            pair = ISeederV2Factory(factory).createPair(tokenA, tokenB);
        }
        _pay(tokenA, pair, amountA);
        _pay(tokenB, pair, amountB);
        ISeederV2Pair(pair).mint(to);
    }

    function _pay(address token, address to, uint256 amount) private {
        (bool ok, bytes memory ret) = token.call(abi.encodeWithSelector(ISeederERC20.transfer.selector, to, amount));
        require(ok && (ret.length == 0 || abi.decode(ret, (bool))), "DevnetSeeder: pay");
    }
}
