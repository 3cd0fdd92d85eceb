# sched: sources, noinst library and tests of this module.
# The policy (sched-policy*.c) is a pure function; programs linking
# libsched.a also need -lm (decayed usage).
noinst_LIBRARIES += sched/libsched.a
sched_libsched_a_SOURCES = \
	sched/sched.h \
	sched/sched-int.h \
	sched/sched-policy.c \
	sched/sched-policy-visit.c \
	sched/sched-policy-nodes.c \
	sched/sched-policy-util.c \
	sched/sched-adapt.h \
	sched/sched-adapt.c \
	sched/sched-estimate.h \
	sched/sched-estimate.c \
	sched/sched-loop.h \
	sched/sched-loop-int.h \
	sched/sched-loop.c \
	sched/sched-req.c \
	sched/sched-jobs.c \
	sched/sched-queue.c \
	sched/sched-snap.c \
	sched/sched-snap-run.c \
	sched/sched-usage.c \
	sched/sched-apply.c \
	sched/sched-follow.c \
	sched/sched-teardown.c \
	sched/sched-blocks.c \
	sched/sched-ops.c \
	sched/sched-cache.h \
	sched/sched-cache-int.h \
	sched/sched-cache.c \
	sched/sched-cache-store.c \
	sched/sched-cache-read.c \
	sched/sched-map.h \
	sched/sched-map.c \
	sched/sched-strs.h \
	sched/sched-strs.c \
	sched/sched-observe.h \
	sched/sched-observe.c
sched_libsched_a_CPPFLAGS = $(SCHED_CPPFLAGS)
sched_libsched_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(EVENT_CFLAGS)

# The estimate's and the policy's tests link libsched.a and libcommon.a
# alone: both are pure.  test-sched-mem and test-sched-cache-mem measure
# what the loop and the cache hold per job (issue 13).
SCHED_UNIT_TESTS = tests/unit/test-sched-observe \
	tests/unit/test-sched-estimate tests/unit/test-sched-policy \
	tests/unit/test-sched-policy-sim tests/unit/test-sched-policy-clock \
	tests/unit/test-sched-limits \
	tests/unit/test-sched-mem tests/unit/test-sched-cache-mem
SCHED_POLICY_LDADD = sched/libsched.a common/libcommon.a $(CMOCKA_LIBS) -lm
if HAVE_CMOCKA
check_PROGRAMS += $(SCHED_UNIT_TESTS)
TESTS += $(SCHED_UNIT_TESTS)
tests_unit_test_sched_observe_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sched_observe_LDADD = sched/libsched.a spec/libspec.a \
	common/libcommon.a $(JANSSON_LIBS) $(YAML_LIBS) $(CMOCKA_LIBS) -lm
tests_unit_test_sched_estimate_CFLAGS = $(UNIT_CFLAGS) \
	-iquote $(top_srcdir)/sched
tests_unit_test_sched_estimate_LDADD = $(SCHED_POLICY_LDADD)
tests_unit_test_sched_policy_SOURCES = tests/unit/test-sched-policy.c \
	tests/unit/sched-world.c tests/unit/sched-world.h
tests_unit_test_sched_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sched_policy_LDADD = $(SCHED_POLICY_LDADD)
tests_unit_test_sched_policy_sim_SOURCES = \
	tests/unit/test-sched-policy-sim.c tests/unit/sched-world.c \
	tests/unit/sched-world.h
tests_unit_test_sched_policy_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sched_policy_sim_LDADD = $(SCHED_POLICY_LDADD)
tests_unit_test_sched_policy_clock_SOURCES = \
	tests/unit/test-sched-policy-clock.c tests/unit/sched-world.c \
	tests/unit/sched-world.h
tests_unit_test_sched_policy_clock_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sched_policy_clock_LDADD = $(SCHED_POLICY_LDADD)
tests_unit_test_sched_limits_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sched_limits_LDADD = sched/libsched.a spec/libspec.a \
	store/libstore.a common/libcommon.a $(JANSSON_LIBS) $(YAML_LIBS) \
	$(SQLITE_LIBS) $(CMOCKA_LIBS) -lm
tests_unit_test_sched_mem_CFLAGS = $(UNIT_CFLAGS) -iquote $(top_srcdir)/sched
tests_unit_test_sched_mem_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_sched_cache_mem_CFLAGS = $(tests_unit_test_sched_mem_CFLAGS)
tests_unit_test_sched_cache_mem_LDADD = $(tests_unit_test_sched_mem_LDADD)
endif

# Scheduler scenarios against ailab-kubesim (issue 6), sampling the
# simulated cluster's own state (sched-sample.py) or following a pod watch
# (sched-watch.py): quotas, why a job waits, gangs, a kill -9, faults, fair
# share, passes woken by local commands (store_wake) rather than the
# interval; scarce GPUs, no over-admission in informed and namespace-only
# sight; queues sharing a namespace, objects deleted or squatted behind a
# job; the watch-fed cache through expired and broken watches (jobs
# complete, the cache agrees with a fresh LIST); storage quota (scratch
# claims against the standing ones); a node lost under a running gang; the
# queue kept in memory while other processes change it; a job found ended
# in the pass that finds an object of it missing (found by
# bench/torture.sh); a scheduler killed inside a requeue's teardown (gdb);
# the table of namespaces kept across passes; a job being torn down gets
# nothing created (lost with its Service missing, or its teardown cut
# short by a kill).
SCHED_INTEGRATION_TESTS = \
	tests/integration/t0401-sched-quotas.sh \
	tests/integration/t0402-sched-why.sh \
	tests/integration/t0403-sched-gang.sh \
	tests/integration/t0404-sched-kill9.sh \
	tests/integration/t0405-sched-faults.sh \
	tests/integration/t0406-sched-fair.sh \
	tests/integration/t0407-sched-wake.sh \
	tests/integration/t0408-sched-scarce.sh \
	tests/integration/t0409-sched-unseen.sh \
	tests/integration/t0410-sched-queues.sh \
	tests/integration/t0411-sched-watch.sh \
	tests/integration/t0412-sched-storage.sh \
	tests/integration/t0413-sched-node-lost.sh \
	tests/integration/t0414-sched-delta.sh \
	tests/integration/t0415-sched-ended-objects.sh \
	tests/integration/t0416-sched-teardown-crash.sh \
	tests/integration/t0418-sched-namespaces.sh \
	tests/integration/t0420-sched-torn-service.sh \
	tests/integration/t0431-sched-backfill-chain.sh
TESTS += $(SCHED_INTEGRATION_TESTS)
EXTRA_DIST += $(SCHED_INTEGRATION_TESTS) tests/integration/sched-sample.py \
	tests/integration/sched-watch.py
