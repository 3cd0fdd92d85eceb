# Benchmarks: scripts and programs that measure; results in docs/performance.md.
dist_noinst_SCRIPTS += bench/submit.sh bench/sweep.sh
# What the scripts share: a private directory, cleanup, the simulator and
# the server started, timing, the queues they measure.
EXTRA_DIST += bench/lib.sh
# The scheduler's side of submits through its intake (bench/sched-intake.sh).
dist_noinst_SCRIPTS += bench/sched-intake.sh
# Reading a queue of 100,000 jobs: ls, ls --all, report (issue 19), and
# the one-node Slurm they are measured beside (docs/performance.md).
dist_noinst_SCRIPTS += bench/ls.sh bench/select.sh bench/slurm/start.sh \
	bench/slurm/stop.sh
# Batch actions through the server (bench/serve-act.sh).
dist_noinst_SCRIPTS += bench/serve-act.sh
# Schema 8 on that queue: the first ls migrates it (bench/migrate8.sh).
dist_noinst_SCRIPTS += bench/migrate8.sh
EXTRA_DIST += bench/slurm/slurm.conf

# kube/: requests per second of the client (bench/kube-bench.sh runs it
# against ailab-kubesim with 1, 8 and 64 requests in flight).
noinst_PROGRAMS += bench/kube-bench
bench_kube_bench_SOURCES = bench/kube-bench.c bench/bench.c bench/bench.h
bench_kube_bench_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(EVENT_CFLAGS)
bench_kube_bench_LDADD = $(KUBE_LIBS)
EXTRA_DIST += bench/kube-bench.sh

# One pass of the pure scheduling policy over a synthetic snapshot; built
# by `make`, run by hand (docs/performance.md, "Scheduling policy").
noinst_PROGRAMS += bench/sched-policy
bench_sched_policy_SOURCES = bench/sched-policy.c bench/bench.c bench/bench.h
bench_sched_policy_LDADD = sched/libsched.a common/libcommon.a -lm

# spec/: validating, expanding, inserting and rendering a 10,000-job sweep
# (docs/performance.md, "Spec language").
noinst_PROGRAMS += bench/spec-sweep
bench_spec_sweep_SOURCES = bench/spec-sweep.c bench/bench.c bench/bench.h
bench_spec_sweep_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
bench_spec_sweep_LDADD = spec/libspec.a store/libstore.a common/libcommon.a \
	$(JANSSON_LIBS) $(YAML_LIBS) $(SQLITE_LIBS) -lm

# sim/: requests per second ailab-kubesim serves and 10,000 pods run to
# completion (bench/sim-bench.sh; docs/performance.md, "ailab-kubesim").
noinst_PROGRAMS += bench/sim-bench
bench_sim_bench_SOURCES = bench/sim-bench.c bench/bench.c bench/bench.h
bench_sim_bench_CPPFLAGS = $(SIM_CPPFLAGS)
bench_sim_bench_CFLAGS = $(AM_CFLAGS) $(EVENT_CFLAGS)
bench_sim_bench_LDADD = common/libcommon.a $(EVENT_LIBS)
EXTRA_DIST += bench/sim-bench.sh bench/sim-cluster.yaml
# ailab-kubesim at size: 5,000 nodes, 100,000 pods (bench/sim-scale.sh).
EXTRA_DIST += bench/sim-scale.sh
# Its CPU while jobs shaped like ailab-queue's fill it (bench/kubesim-fill.sh),
# and two builds' event streams compared (bench/kubesim-same.sh).
EXTRA_DIST += bench/kubesim-fill.sh bench/kubesim-same.sh
dist_noinst_SCRIPTS += bench/cleanup.sh

# sched/: jobs admitted per second end to end against ailab-kubesim, and one
# whole `sched --once` pass over a large queue (docs/performance.md,
# "Scheduler end to end").
dist_noinst_SCRIPTS += bench/sched-e2e.sh
# One whole pass over 100,000 queued jobs and 5,000 nodes, split into
# phases, and jobs admitted per second (docs/performance.md, "Scheduler end
# to end").
dist_noinst_SCRIPTS += bench/sched-pass.sh
# The watch-fed cache: requests a minute while nothing changes, and a
# pass's cost when one pod ends (docs/performance.md, issue 13).
dist_noinst_SCRIPTS += bench/sched-requests.sh bench/sched-latency.sh

# server/: 50 clients submitting 200 jobs each to `ailab-queue serve` while
# it schedules and cleanup runs (docs/performance.md, "Shared queue server").
dist_noinst_SCRIPTS += bench/serve-load.sh
EXTRA_DIST += bench/serve-load.py

# server/: /healthz and another user's submissions while one pathological
# spec is validated (docs/performance.md, "One spec must not stall...").
dist_noinst_SCRIPTS += bench/serve-stall.sh
EXTRA_DIST += bench/serve-stall.py

# The pure policy replayed offline on a bench/replay.py trace, without the
# loop's latency (docs/performance.md, "Trace replay").
noinst_PROGRAMS += bench/replay-policy
bench_replay_policy_SOURCES = bench/replay-policy.c
bench_replay_policy_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	-iquote $(top_srcdir)/sched
bench_replay_policy_LDADD = sched/libsched.a common/libcommon.a \
	$(JANSSON_LIBS) -lm
# store/ and sched/: from the start of a local `submit` to the job's
# Deployment at ailab-kubesim, with `sched --interval 60s` woken by the
# FIFO beside the database (docs/performance.md, "Wake-up latency").
dist_noinst_SCRIPTS += bench/wake-latency.sh

# sched/ against reference policies: a trace shaped like published GPU
# cluster statistics, strict FIFO and EASY backfill simulated offline, the
# same trace replayed against ailab-kubesim (docs/performance.md, "Trace
# replay").
EXTRA_DIST += bench/replay.py bench/replay_trace.py bench/replay.sh bench/replay-cluster.yaml

# spec/ on hostile input: 80,000 env keys, a 100,000-job sweep, a
# 100,000-row roster, a 58,000-job 'after' chain (bench/spec-hostile.sh;
# docs/performance.md, "Hostile specs").
dist_noinst_SCRIPTS += bench/spec-hostile.sh
noinst_PROGRAMS += bench/spec-load
bench_spec_load_SOURCES = bench/spec-load.c bench/bench.c bench/bench.h
bench_spec_load_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
bench_spec_load_LDADD = spec/libspec.a common/libcommon.a \
	$(JANSSON_LIBS) $(YAML_LIBS) -lm

# Issue 18's torture run: two local queues and a server in one namespace
# of ailab-kubesim under API faults, concurrent users and kill -9 of sched,
# serve and cleanup, then checks (docs/operations.md, "Torture run";
# figures in docs/performance.md).
dist_noinst_SCRIPTS += bench/torture.sh
EXTRA_DIST += bench/torture.py bench/torture-cluster.yaml

# One submit at process speed, beside sbatch (docs/performance.md, issue
# 19, fifth step).
dist_noinst_SCRIPTS += bench/submit-one.sh
