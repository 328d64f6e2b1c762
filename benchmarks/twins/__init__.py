"""Plain-NumPy reference implementations ("twins") of the benchmarked computations.

Each twin is written the way a competent NumPy programmer would write it by hand:
explicit forward and backward passes, float32 throughout in the benchmarks, and
any float dtype (float64 for the gradient checks in tests/benchmarks).
"""
