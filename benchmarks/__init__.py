"""minigrad's benchmark suite: workloads timed side by side with plain-NumPy twins (and torch).

Run it with ``python benchmarks/run.py --all``; see benchmarks/README.md.
"""
