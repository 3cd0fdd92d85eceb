#!/bin/sh
# The queue front linked whole (-static-pie, the default where it links)
# never uses NSS (issue 19, cli/cli-passwd.c): a static glibc reaches the
# password database through NSS modules it dlopens, which break when a
# glibc update lands.  Asserted: the front names no getpw* or NSS
# function.  Where it needs the user (a submit no scheduler takes, a
# cancel's reason, a render's owner) it reads /etc/passwd itself when
# nsswitch.conf has glibc answer from that file first; with any other
# order it runs the command again as ailab-queue-dynamic (the front
# linked against the shared libc) with argv unchanged and what it read
# from standard input.  Either way the jobs are the user's that the
# password database names.  With --owner, ls and a submit a running
# scheduler takes, it never looks.  A copy of the front beside a stand-in
# ailab-queue-dynamic (which records its arguments, then runs the real
# one) shows which; each order of nsswitch.conf is bound over the real
# one in a mount namespace of its own (unshare -m, as root).
. "$top_srcdir/tests/lib.sh"
# whole: the front loads no shared library.
whole() { command -v readelf && ! readelf -d "$AILAB_QUEUE" | grep -q NEEDED; }
skip_unless "the queue front is not linked whole (--enable-static-front)" whole
skip_unless "nm is not installed" command -v nm
plan 28

me=$(id -un)
DYNAMIC="$(dirname "$AILAB_QUEUE")/ailab-queue-dynamic"
nm "$AILAB_QUEUE" >"$TMP/nm"
is "the front names no password-database or NSS function" \
    "$(grep -Ec ' (getpw|getgr(gid|nam|ent)|_nss_|__nss_|initgroups)' \
    "$TMP/nm")" 0

readelf -d "$DYNAMIC" >"$TMP/needed"
like "ailab-queue-dynamic links the shared libc" "$TMP/needed" \
    'NEEDED.*libc\.so'

mkdir "$TMP/alone"
cp "$AILAB_QUEUE" "$TMP/alone/ailab-queue"
cat >"$TMP/alone/ailab-queue-dynamic" <<EOT
#!/bin/sh
echo "\$*" >"$TMP/handoff"
if [ "\${HANDOFF_STDIN:-0}" = 1 ]; then
	cat >"$TMP/handoff.in"
	exec "$DYNAMIC" "\$@" <"$TMP/handoff.in"
fi
exec "$DYNAMIC" "\$@"
EOT
chmod 755 "$TMP/alone/ailab-queue-dynamic"
# front ARGS...: the copy of the front, under the nsswitch.conf in $NSS
# when set.
front() {
	rm -f "$TMP/handoff"
	if [ -n "${NSS:-}" ]; then
		unshare -m sh -c 'mount --bind "$1" /etc/nsswitch.conf &&
		    shift && exec "$@"' sh "$NSS" "$TMP/alone/ailab-queue" "$@"
	else
		"$TMP/alone/ailab-queue" "$@"
	fi
}
handed() { cat "$TMP/handoff" 2>/dev/null; }
# owner ID: the owner of job ID.
owner() { aq show "$1" -o json | python3 -c 'import json, sys
print(json.load(sys.stdin)["owner"])'; }
export AILAB_QUEUE_NAMESPACE=alice
spec_file one cpu=1 memory=1Gi
aq ls >/dev/null 2>&1
printf 'passwd: sss files\ngroup: files\n' >"$TMP/sss-first"
printf '# the default\npasswd:\tfiles systemd\n' >"$TMP/files-first"
printf 'passwd: files [SUCCESS=continue] sss\n' >"$TMP/files-continue"
bindable() { unshare -m sh -c "mount --bind '$TMP/sss-first' /etc/nsswitch.conf"; }

if ! bindable; then
	skip_n 20 "cannot bind a file over /etc/nsswitch.conf (needs root and unshare -m)"
else
	NSS=$TMP/sss-first
	check "another source first: a submit with no scheduler running" \
	    front submit "$TMP/one.yaml"
	is "  prints the id" "$(cat "$TMP/out")" 1
	is "  run again by ailab-queue-dynamic, argv unchanged" "$(handed)" \
	    "submit $TMP/one.yaml"
	is "  owned by the password database's user" "$(owner 1)" "$me"

	check "  a submit from standard input" front submit - <"$TMP/one.yaml"
	is "  handed over before the input is read" "$(handed)" "submit -"
	is "  queued from that input" "$(aq show 2 -o json | python3 -c 'import json, sys
j = json.load(sys.stdin); print(j["name"], j["owner"])')" "one $me"

	aq render "$TMP/one.yaml" >"$TMP/render.want"
	HANDOFF_STDIN=1 front render - <"$TMP/one.yaml" >"$TMP/render.got"
	ok "  render of standard input needs the owner: handed over" $?
	cmp -s "$TMP/render.got" "$TMP/render.want"
	ok "  with the input it had read: the same objects" $?

	check "  cancel" front cancel 1
	is "  handed over for the reason's user" "$(handed)" "cancel 1"
	aq ls --all >"$TMP/ls"
	like "  cancelled by the password database's user" "$TMP/ls" \
	    "^1 .*cancelled by $me"

	NSS=$TMP/files-first
	check "files first: a submit with no scheduler running" \
	    front submit "$TMP/one.yaml"
	is "  done by the front itself, from /etc/passwd" "$(handed)" ""
	is "  owned by the same user" "$(owner 3)" "$me"
	check "  cancel" front cancel 2
	is "  done by the front itself" "$(handed)" ""
	aq ls --all >"$TMP/ls"
	like "  cancelled by the user /etc/passwd names" "$TMP/ls" \
	    "^2 .*cancelled by $me"

	NSS=$TMP/files-continue
	front submit "$TMP/one.yaml" >/dev/null
	is "files then [SUCCESS=continue]: handed over" "$(handed)" \
	    "submit $TMP/one.yaml"
	NSS=
fi
check "a submit with --owner" front submit --owner bob "$TMP/one.yaml"
is "  done by the front itself" "$(handed)" ""
is "  owned by bob" "$(owner "$(tail -n 1 "$TMP/out")")" bob

check "ls" front ls
is "  done by the front itself" "$(handed)" ""

start_kubesim --cluster "$top_srcdir/tests/fixtures/sched-small.yaml"
listening() { sched_passed 1 && [ -S "$AILAB_QUEUE_DB.sock" ]; }
start_sched --context admin -v sched --interval 60s
wait_for 20 listening
front --context alice submit "$TMP/one.yaml" >"$TMP/id" 2>"$TMP/err" &&
    [ "$(handed)" = "" ] &&
    grep -Eq "intake: queued job $(cat "$TMP/id") " "$TMP/sched.out"
ok "a submit a running scheduler takes: the front's own, through the intake" $?
is "  owned by the scheduler's user, the same" "$(owner "$(cat "$TMP/id")")" "$me"
finish
