#!/bin/sh
# The CLI against a shared queue server: every queue command prints the
# same against `ailab-queue serve` (--server) as against a local queue that
# received the same submissions; another user's job is as missing as a
# missing one; no or a bad token gets a clear 401; lists follow pages;
# commands that run on the server refuse --server; the server comes from
# --server, $AILAB_QUEUE_SERVER or the config file.  Groups are scoped by
# owner, and the local queue's jobs are recorded as alice's: commands by
# group name name their owner, alice, on both.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 102

check "ailab-kubesim starts" start_kubesim
# alice submits priority 700: above normal, which the server must allow her.
check "serve starts" start_serve a --no-schedule --user-max-queued 0 \
    --priority-group user:alice=high
S=$SERVE_URL
LOCAL="$TMP/local.db"
ME=$(id -un)

printf '%s\n' 'name: train' 'image: busybox' 'command: [sh, -c, "echo hi"]' \
    >"$TMP/train.yaml"
printf '%s\n' 'name: x' 'image: busybox' 'bogus: 1' \
    'gpu: {type: RTX9090, count: 1}' >"$TMP/bad.yaml"
cp "$top_srcdir/examples/sweep-3x2.yaml" "$TMP/sweep.yaml"

# Times and ages differ between the two queues, and a local action
# records the local user where the server records alice.
norm() {
	sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g' \
	    -e 's/(^| )[0-9]+[smhd]( |$)/\1AGE\2/g' -e 's/  +/ /g' \
	    -e "s/ by $ME\$/ by alice/" -e "s/ by $ME( |\")/ by alice\1/g"
}

# same DESC STATUS ARGS...: runs the command against the server and the
# local queue; passes if both exit STATUS and print the same (stdout and
# stderr, normalised).
same() {
	_d=$1
	_want=$2
	shift 2
	"$AILAB_QUEUE" --server "$S" "$@" >"$TMP/r.out" 2>"$TMP/r.err"
	_rr=$?
	"$AILAB_QUEUE" --server '' --db "$LOCAL" "$@" >"$TMP/l.out" \
	    2>"$TMP/l.err"
	_lr=$?
	norm <"$TMP/r.out" >"$TMP/r.n"
	norm <"$TMP/l.out" >"$TMP/l.n"
	norm <"$TMP/r.err" >"$TMP/r.en"
	norm <"$TMP/l.err" >"$TMP/l.en"
	_ok=0
	if [ "$_rr" != "$_want" ] || [ "$_lr" != "$_want" ]; then
		echo "# exit: server $_rr, local $_lr, want $_want"
		_ok=1
	fi
	if ! cmp -s "$TMP/r.n" "$TMP/l.n"; then
		echo "# stdout differs (server <, local >):"
		diff "$TMP/r.n" "$TMP/l.n" | head -n 20 | sed 's/^/#   /'
		_ok=1
	fi
	if ! cmp -s "$TMP/r.en" "$TMP/l.en"; then
		echo "# stderr differs (server <, local >):"
		diff "$TMP/r.en" "$TMP/l.en" | head -n 20 | sed 's/^/#   /'
		_ok=1
	fi
	ok "$_d" $_ok
}

# submit_both ARGS...: the same submission to both queues, the local one
# recorded as alice's as the server records it.
submit_both() {
	"$AILAB_QUEUE" --server "$S" submit "$@" >"$TMP/r.out" 2>"$TMP/r.err" &&
	"$AILAB_QUEUE" --server '' --db "$LOCAL" submit --owner alice "$@" \
	    >"$TMP/l.out" 2>"$TMP/l.err" && cmp -s "$TMP/r.out" "$TMP/l.out"
}

# Submissions.
check "submit: the same id from both queues" submit_both "$TMP/train.yaml"
is "it is job 1" "$(cat "$TMP/r.out")" 1
check "submit --group: the same ids" submit_both --group sweep "$TMP/sweep.yaml"
check "submit --hold --set" \
    submit_both --hold --set priority=700 "$TMP/train.yaml"
"$AILAB_QUEUE" --server "$S" submit -o json "$TMP/train.yaml" \
    >"$TMP/r.out" 2>"$TMP/r.err"
"$AILAB_QUEUE" --server '' --db "$LOCAL" submit --owner alice -o json \
    "$TMP/train.yaml" >"$TMP/l.out" 2>"$TMP/l.err"
check "submit -o json prints the same ids and names" cmp -s "$TMP/r.out" "$TMP/l.out"
same "submit --dry-run of two files" 0 submit --dry-run "$TMP/train.yaml" \
    "$TMP/sweep.yaml"
same "submit --dry-run -o json" 0 submit --dry-run -o json "$TMP/sweep.yaml"
same "a bad spec: the same diagnostics, exit 2" 2 submit "$TMP/bad.yaml"
like "they name the file, line and column" "$TMP/r.err" \
    "^$TMP/bad.yaml:3:1: unknown key 'bogus'"
same "one bad file among good ones queues nothing" 2 submit \
    "$TMP/train.yaml" "$TMP/bad.yaml"
same "a missing file" 2 submit "$TMP/nope.yaml"
same "nothing was queued by the refused submissions" 0 ls --all

# Listing.
same "ls" 0 ls
same "ls -o wide" 0 ls -o wide
same "ls -o json" 0 ls -o json
same "ls -o yaml" 0 ls -o yaml
same "ls --state held" 0 ls --state held
same "ls --state queued,held -o json" 0 ls --state queued,held -o json
same "ls --group" 0 ls --group sweep --owner alice
same "ls --name GLOB" 0 ls --name 'resnet*'
same "ls of nothing" 0 ls --name nothing-matches
same "an unknown state is a usage error" 2 ls --state nope

# One job.
same "show" 0 show 1
same "show -o json" 0 show 1 -o json
same "show -o yaml of a held job" 0 show 8 -o yaml
same "show of a missing job" 1 show 999
same "show of a bad id" 2 show abc
same "why" 0 why 1
same "why -o json" 0 why 1 -o json
same "why of a missing job" 1 why 999

# Actions.
same "hold" 0 hold 1
same "hold again is refused" 1 hold 1
same "release" 0 release 1
same "release of a queued job is refused" 1 release 1
same "release of a held job and a missing one" 1 release 8 999
same "cancel" 0 cancel 1
same "cancel of an ended job" 0 cancel 1
same "cancel of a missing job" 1 cancel 999
same "cancel without ids" 2 cancel
same "hold --group" 0 hold --group sweep --owner alice
same "release --group" 0 release --group sweep --owner alice
same "cancel of a job and a group" 0 cancel 9 --group sweep --owner alice
same "cancel --group of an unknown group" 1 cancel --group nope --owner alice
same "retry of a queued job is refused" 1 retry 8
same "retry of a cancelled job is refused without --state" 1 retry 1
same "retry --state cancelled of a cancelled job" 0 retry 1 --state cancelled
same "retry --group" 0 retry --group sweep --owner alice
same "the history shows every action" 0 show 1
same "ls --all after the actions" 0 ls --all -o wide

# Waiting and reports.
same "cancel for wait" 0 cancel 1
same "wait for a cancelled job exits 1" 1 wait 1
same "wait --timeout on a queued job exits 3" 3 wait 2 --timeout 1s
same "wait --group" 3 wait --group sweep --owner alice --timeout 1s
same "report" 0 report sweep
same "report -o csv" 0 report sweep -o csv
same "report -o json" 0 report sweep -o json
same "report of an unknown group" 1 report nope

# Logs, quota, who.
same "logs of a job that has not run" 1 logs 2
same "logs of a rank the job does not have" 2 logs 2 --rank 3
same "logs of a missing job" 1 logs 999
same "quota" 0 quota
same "quota -o json" 0 quota -o json
same "whoami" 0 whoami
same "whoami -o json" 0 whoami -o json

# Another user's jobs are not there for bob, exactly as missing ones.
rm -f "$TMP/empty.db"
for c in "show 1" "why 1" "cancel 1" "hold 2" "logs 1" "retry 1"; do
	"$AILAB_QUEUE" --server "$S" --context bob $c >"$TMP/r.out" \
	    2>"$TMP/r.err"
	_rr=$?
	"$AILAB_QUEUE" --server '' --db "$TMP/empty.db" $c >"$TMP/l.out" \
	    2>"$TMP/l.err"
	_lr=$?
	[ $_rr -eq $_lr ] && cmp -s "$TMP/r.err" "$TMP/l.err" &&
	    cmp -s "$TMP/r.out" "$TMP/l.out"
	ok "bob: '$c' of alice's job is what a missing job gets" $?
done
"$AILAB_QUEUE" --server "$S" --context bob ls --all >"$TMP/r.out" 2>&1
like "bob lists none of alice's jobs" "$TMP/r.out" "^no jobs$"
fails "bob cannot cancel alice's group" 1 "$AILAB_QUEUE" --server "$S" \
    --context bob cancel --group sweep
like "it is not found for him" "$TMP/err" "^ailab-queue: group 'sweep' not found$"

# No credential, a bad one.
fails "no kubeconfig: 401, exit 1" 1 env KUBECONFIG="$TMP/none" \
    "$AILAB_QUEUE" --server "$S" ls
is "one line" "$(wc -l <"$TMP/err")" 1
like "it names the server and says there is no credential" "$TMP/err" \
    "^ailab-queue: the queue server at $S needs your cluster credential, and there is none: .*check the credentials in your kubeconfig"
sed 's/alice-token/alice-wrong/' "$KUBECONFIG" >"$TMP/badtoken"
fails "a token the cluster does not know: 401, exit 1" 1 "$AILAB_QUEUE" \
    --kubeconfig "$TMP/badtoken" --server "$S" show 1
like "it names the user and context" "$TMP/err" \
    "^ailab-queue: the queue server at $S refused the credentials of user 'alice' in context 'alice' .*check them in your kubeconfig$"
if grep -q alice-wrong "$TMP/err" "$TMP/out"; then bad=1; else bad=0; fi
ok "the token is not shown" $bad

# Commands that run on the server.
for c in sched cleanup demo; do
	fails "$c --server is refused" 2 "$AILAB_QUEUE" --server "$S" $c
	like "$c: it runs on the server" "$TMP/err" \
	    "^ailab-queue: '$c' runs on the queue server itself"
done
check "validate stays local with a server named" "$AILAB_QUEUE" \
    --server "$S" validate "$TMP/train.yaml"

# Where the server comes from.
AILAB_QUEUE_SERVER=$S "$AILAB_QUEUE" ls --all -o json >"$TMP/env.json"
"$AILAB_QUEUE" --server "$S" ls --all -o json >"$TMP/flag.json"
check "\$AILAB_QUEUE_SERVER names the server" cmp -s "$TMP/env.json" "$TMP/flag.json"
mkdir -p "$TMP/xdg/ailab-queue"
printf 'server: %s\n' "$S" >"$TMP/xdg/ailab-queue/config.yaml"
chmod 600 "$TMP/xdg/ailab-queue/config.yaml"
XDG_CONFIG_HOME="$TMP/xdg" "$AILAB_QUEUE" ls --all -o json >"$TMP/cfg.json"
check "the config file names the server" cmp -s "$TMP/cfg.json" "$TMP/flag.json"
XDG_CONFIG_HOME="$TMP/xdg" "$AILAB_QUEUE" --server '' --db "$LOCAL" \
    ls --all -o json >"$TMP/local.json"
"$AILAB_QUEUE" --db "$LOCAL" ls --all -o json >"$TMP/local2.json"
check "--server '' is the local queue" cmp -s "$TMP/local.json" "$TMP/local2.json"
chmod 666 "$TMP/xdg/ailab-queue/config.yaml"
fails "a config file others may write is refused" 2 env \
    XDG_CONFIG_HOME="$TMP/xdg" "$AILAB_QUEUE" ls
like "it says why" "$TMP/err" "config.yaml' may be changed by other users"
printf 'server: %s\nsevrer_ca: x\n' "$S" >"$TMP/xdg/ailab-queue/config.yaml"
chmod 600 "$TMP/xdg/ailab-queue/config.yaml"
fails "an unknown setting is refused" 2 env XDG_CONFIG_HOME="$TMP/xdg" \
    "$AILAB_QUEUE" ls
like "at its line" "$TMP/err" "config.yaml:2:1: unknown setting 'sevrer_ca'"
fails "plain http to another host is refused" 2 "$AILAB_QUEUE" \
    --server http://example.com ls
like "it says why" "$TMP/err" "refusing to send credentials over plain http"

# Pages: more jobs than one page of the server (500).
cat >"$TMP/big.yaml" <<'EOT'
name: many
image: busybox
command: [sh, -c, "echo {a} {b}"]
sweep:
  grid:
    a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]
    b: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
EOT
check "submit 600 jobs to both" submit_both "$TMP/big.yaml"
same "ls of more jobs than a page" 0 ls --all
is "all of them" "$("$AILAB_QUEUE" --server "$S" ls --all -o json | json_val 'len(d)')" 609
same "cancel --group of 600 jobs" 0 cancel --group many --owner alice

# A server over its rate limit: the client waits and gets its answer.
start_serve b --no-schedule --rate 1 --burst 1
"$AILAB_QUEUE" --server "$SERVE_URL" ls >/dev/null 2>&1
check "429: the client waits out Retry-After and succeeds" "$AILAB_QUEUE" --server "$SERVE_URL" ls

finish
