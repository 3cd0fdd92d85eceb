#!/bin/sh
# Builds a fuzz target with clang, libFuzzer and ASan/UBSan.
# Usage: tests/fuzz/build.sh BUILDDIR OUT [TARGET]
#   BUILDDIR: a configured build tree (for config.h); OUT: the binary;
#   TARGET: spec (the default, fuzz-spec.c), roster (fuzz-roster.c),
#   kubeconfig (fuzz-kubeconfig.c) or http (fuzz-http.c).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
b=${1:?build dir}
out=${2:-fuzz-spec}
target=${3:-spec}
# UBSan stays recoverable (its handlers give libFuzzer finer coverage);
# run with UBSAN_OPTIONS=halt_on_error=1 to stop at UB (README.md).
cflags="-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I$b"
case $target in
spec|roster)
	exec clang $cflags -include "$b/config.h" \
		-I"$src/common" -I"$src/spec" \
		$(pkg-config --cflags yaml-0.1 jansson) \
		"$src/tests/fuzz/fuzz-$target.c" "$src"/spec/spec-*.c \
		"$src"/common/common-*.c \
		$(pkg-config --libs yaml-0.1 jansson) -lm -o "$out"
	;;
kubeconfig)
	# fork and execvpe wrapped: an exec plugin can never run (see the
	# target's comment).
	exec clang $cflags -include "$b/config.h" \
		-I"$src/common" -I"$src/kube" \
		$(pkg-config --cflags yaml-0.1 jansson libcurl libevent) \
		"$src/tests/fuzz/fuzz-kubeconfig.c" "$src"/kube/kube-config*.c \
		"$src"/common/common-*.c \
		-Wl,--wrap=fork -Wl,--wrap=execvpe \
		$(pkg-config --libs yaml-0.1 jansson libcurl libevent \
		libevent_openssl openssl) -lresolv -lm -o "$out"
	;;
http)
	# -iquote, as Makefile.am: sched/sched.h must not stand in for
	# <sched.h>.
	pkgs="yaml-0.1 jansson libcurl libevent libevent_openssl openssl sqlite3"
	exec clang $cflags -include "$b/config.h" \
		-iquote "$src/common" -iquote "$src/kube" \
		-iquote "$src/spec" -iquote "$src/store" \
		-iquote "$src/sched" -iquote "$src/api" \
		-iquote "$src/server" \
		$(pkg-config --cflags $pkgs) \
		"$src/tests/fuzz/fuzz-http.c" "$src"/server/server-*.c \
		"$src"/api/api-*.c "$src"/sched/sched-*.c \
		"$src"/store/store-*.c "$src"/spec/spec-*.c \
		"$src"/kube/kube-*.c "$src"/common/common-*.c \
		$(pkg-config --libs $pkgs) -lresolv -lm -o "$out"
	;;
*)
	echo "build.sh: unknown target '$target'" >&2
	exit 2
	;;
esac
