# Benchmarks: scripts and programs that measure; results in docs/performance.md.
