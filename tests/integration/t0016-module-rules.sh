#!/bin/sh
# The module rules of ../shared/style.md ("which module may use which"),
# enforced by the build: each library is compiled with the include paths
# of the modules it may use and no others.  For every module and every
# module's public header, a one-line file including it must compile with
# that module's flags exactly when the rules allow it; a forbidden
# include must fail for the reason the rules give (the header is not on
# its path), not for some other error.
. "$top_srcdir/tests/lib.sh"

flags="$top_builddir/tests/module-flags.sh"
modules="common store spec kube sched api server cli sim"

# allowed MODULE: the modules whose headers MODULE may include.
allowed() {
	case $1 in
	common) echo "common" ;;
	store) echo "common store" ;;
	spec) echo "common spec" ;;
	kube) echo "common kube" ;;
	sched) echo "common store spec kube sched" ;;
	api) echo "common store api" ;;
	server) echo "common store spec kube sched api server" ;;
	cli) echo "common store spec kube sched api server cli" ;;
	sim) echo "common sim" ;;
	esac
}

# header MODULE: a public header of MODULE.  sched's own sched.h would
# not do: a quoted include falls back to the system's <sched.h>.
header() {
	case $1 in
	sched) echo "sched-loop.h" ;;
	*) echo "$1.h" ;;
	esac
}

plan 89

[ -r "$flags" ]
ok "the build wrote the modules' include flags" $?
. "$flags"
# The flags name the source tree relative to the build tree.
cd "$top_builddir" || exit 1

for m in $modules; do
	eval "mflags=\$flags_$m"
	for h in $modules; do
		hh=$(header "$h")
		printf '#include "%s"\nint t0016;\n' "$hh" >"$TMP/t.c"
		# shellcheck disable=SC2086 # the flags are words
		$CC -fsyntax-only $mflags $DEP_CFLAGS "$TMP/t.c" \
		    >"$TMP/cc.out" 2>&1
		rc=$?
		case " $(allowed "$m") " in
		*" $h "*)
			if [ $rc -ne 0 ]; then
				sed 's/^/#   /' "$TMP/cc.out" | head -n 5
			fi
			ok "$m may include $hh" $rc
			;;
		*)
			if [ $rc -eq 0 ]; then
				bad=1
			elif grep -qF "$hh: No such file or directory" \
			    "$TMP/cc.out"; then
				bad=0
			else
				sed 's/^/#   /' "$TMP/cc.out" | head -n 5
				bad=1
			fi
			ok "$m may not include $hh (not on its path)" $bad
			;;
		esac
	done
done

# Those flags are the ones each library is built with.
for m in common store spec kube sched api server; do
	u=$(echo "$m" | tr '[:lower:]' '[:upper:]')
	grep -q "^${m}_lib${m}_a_CPPFLAGS = \$(${u}_CPPFLAGS)\$" \
	    "$top_builddir/Makefile"
	ok "lib$m.a is built with ${u}_CPPFLAGS" $?
done

finish
