# sim: ailab-kubesim, the simulated ailab cluster (shares only common/).
noinst_LIBRARIES += sim/libsim.a
sim_libsim_a_SOURCES = \
	sim/sim.h \
	sim/sim-int.h \
	sim/sim-api.h \
	sim/sim-ctrl.h \
	sim/sim-storage.h \
	sim/sim.c \
	sim/sim-store.c \
	sim/sim-index.c \
	sim/sim-select.c \
	sim/sim-res.c \
	sim/sim-cluster.c \
	sim/sim-ctrl.c \
	sim/sim-admit.c \
	sim/sim-gc.c \
	sim/sim-deploy.c \
	sim/sim-job.c \
	sim/sim-storage.c \
	sim/sim-volume.c \
	sim/sim-volsched.c \
	sim/sim-kubelet.c \
	sim/sim-program.c \
	sim/sim-http.c \
	sim/sim-route.c \
	sim/sim-auth.c \
	sim/sim-list.c \
	sim/sim-write.c \
	sim/sim-logs.c \
	sim/sim-admin.c \
	sim/sim-preload.c \
	sim/sim-tls.c \
	sim/sim-proto.c \
	sim/sim-table.c \
	sim/sim-schema.c \
	sim/sim-fields.c \
	sim/sim-patch.c \
	sim/sim-valid.c \
	sim/sim-node.c \
	sim/sim-endpoints.c \
	sim/sim-exec.c
# Only common/ and sim/ on the include path: sim shares nothing else.
SIM_CPPFLAGS = $(BASE_CPPFLAGS) -iquote $(top_srcdir)/sim
sim_libsim_a_CPPFLAGS = $(SIM_CPPFLAGS)
sim_libsim_a_CFLAGS = $(AM_CFLAGS) $(EVENT_CFLAGS) $(OPENSSL_CFLAGS) \
	$(JANSSON_CFLAGS) $(YAML_CFLAGS)
SIM_LIBS = sim/libsim.a common/libcommon.a $(EVENT_LIBS) $(OPENSSL_LIBS) \
	$(JANSSON_LIBS) $(YAML_LIBS)

bin_PROGRAMS += ailab-kubesim
ailab_kubesim_SOURCES = sim/sim-main.c
ailab_kubesim_CPPFLAGS = $(SIM_CPPFLAGS)
ailab_kubesim_CFLAGS = $(AM_CFLAGS) $(EVENT_CFLAGS)
ailab_kubesim_LDADD = $(SIM_LIBS)

SIM_TESTS = \
	tests/integration/t0301-sim-api.sh \
	tests/integration/t0302-sim-kubectl.sh \
	tests/integration/t0303-sim-scenarios.sh \
	tests/integration/t0304-sim-python.sh \
	tests/integration/t0305-sim-kubelet.sh \
	tests/integration/t0306-sim-tls.sh \
	tests/integration/t0307-sim-faults.sh \
	tests/integration/t0308-sim-jobs.sh \
	tests/integration/t0309-sim-indexes.sh \
	tests/integration/t0310-sim-auth.sh \
	tests/integration/t0311-sim-namespace-only.sh \
	tests/integration/t0312-sim-builtin.sh \
	tests/integration/t0313-sim-validation.sh \
	tests/integration/t0314-sim-storage.sh \
	tests/integration/t0315-sim-audit.sh \
	tests/integration/t0316-sim-exec.sh \
	tests/integration/t0317-sim-termination-message.sh \
	tests/integration/t0319-sim-routes.sh \
	tests/integration/t0320-sim-preload.sh \
	tests/integration/t0321-sim-endpoints-pinned.sh \
	tests/integration/t0322-sim-latency-scope.sh \
	tests/integration/t0323-sim-list-snapshot.sh \
	tests/integration/t0324-sim-reviews-local.sh \
	tests/integration/t0325-sim-reference-audit.sh
TESTS += $(SIM_TESTS)
EXTRA_DIST += $(SIM_TESTS) tests/sim sim/gen-schema.py

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-sim
TESTS += tests/unit/test-sim
tests_unit_test_sim_CPPFLAGS = $(SIM_CPPFLAGS)
tests_unit_test_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sim_LDADD = $(SIM_LIBS) $(CMOCKA_LIBS)
endif
