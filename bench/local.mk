# Benchmarks: scripts and programs that measure; results in docs/performance.md.
dist_noinst_SCRIPTS += bench/submit.sh
