"""routes: the pure routing library (pool math, snapshots, graph, paths, splits, gas).

Nothing in this package does I/O, awaits, reads the clock or the environment, or imports
web3, aiohttp, typer or rich. State is fetched by `solver` and handed in.
"""
