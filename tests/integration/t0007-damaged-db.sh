#!/bin/sh
# A damaged queue database gives a clean error naming the file and the
# SQLite code, exit 1, never a signal: 300 copies of a real queue, each with
# a few bytes changed at random (fixed seeds), meet ls, show and submit.  A
# read-only database still serves the commands that read.
. "$top_srcdir/tests/lib.sh"
plan 12

printf 'name: c\ncommand: "echo hi"\nsweep: {grid: {a: [1, 2, 3, 4, 5]}}\n' >"$TMP/sweep.yaml"
for i in 1 2 3 4 5 6; do aq submit -q "$TMP/sweep.yaml" >/dev/null; done
aq hold 2 >/dev/null 2>&1
aq cancel 3 >/dev/null 2>&1
# The queue as one file: its log copied in.
python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
' "$AILAB_QUEUE_DB"
cp "$AILAB_QUEUE_DB" "$TMP/base.db"

python3 - "$AILAB_QUEUE" "$TMP" >"$TMP/fuzz.out" 2>&1 <<'PY'
import os, random, shutil, subprocess, sys
aq, tmp = sys.argv[1], sys.argv[2]
base = open(os.path.join(tmp, "base.db"), "rb").read()
cmds = (["ls", "-a"], ["show", "1"],
        ["submit", os.path.join(tmp, "sweep.yaml")])
signals = errors = unnamed = 0
codes = {}
for seed in range(300):
    r = random.Random(seed)
    b = bytearray(base)
    for _ in range(r.randint(1, 8)):
        b[r.randrange(len(b))] = r.randrange(256)
    d = os.path.join(tmp, "fuzz%d" % seed)
    os.mkdir(d)
    db = os.path.join(d, "queue.db")
    open(db, "wb").write(b)
    for c in cmds:
        p = subprocess.run([aq] + c, env=dict(os.environ, AILAB_QUEUE_DB=db),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=120)
        codes[p.returncode] = codes.get(p.returncode, 0) + 1
        err = p.stderr.decode("utf-8", "replace")
        if p.returncode < 0 or p.returncode > 2:
            signals += 1
            print("seed %d: %s: exit %d: %s" % (seed, " ".join(c),
                  p.returncode, err[-300:]))
        elif p.returncode == 1 and "damaged" in err:
            errors += 1
            if db not in err or "SQLITE_" not in err:
                unnamed += 1
                print("seed %d: %s: %s" % (seed, " ".join(c), err[-300:]))
    shutil.rmtree(d)
print("exit codes %s" % sorted(codes.items()))
print("signals %d damaged %d unnamed %d" % (signals, errors, unnamed))
PY
sed 's/^/# /' "$TMP/fuzz.out" | tail -n 5
like "300 damaged copies were tried" "$TMP/fuzz.out" "^signals "
like "no command died of a signal (exit 0, 1 or 2 only)" "$TMP/fuzz.out" "^signals 0 "
like "some copies were found damaged" "$TMP/fuzz.out" "damaged [1-9][0-9]* "
like "each such error names the file and the SQLite code" "$TMP/fuzz.out" " unnamed 0$"

# A schema this build did not make: a clean error, exit 1.
cp "$TMP/base.db" "$TMP/renamed.db"
python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("ALTER TABLE jobs RENAME COLUMN reason TO place")
db.commit()
' "$TMP/renamed.db"
fails "a column missing from the schema: exit 1" 1 aq --db "$TMP/renamed.db" ls
like "it says the database is damaged, with the file and SQLITE_CORRUPT" "$TMP/err" \
    "renamed.db: listing jobs: the queue database is damaged: no such column: j.reason \(SQLITE_CORRUPT\)"

# A read-only queue: reading works, writing is refused, the file untouched.
mkdir "$TMP/ro"
cp "$TMP/base.db" "$TMP/ro/queue.db"
chmod 755 "$TMP" "$TMP/ro"
chmod 444 "$TMP/ro/queue.db"
before=$(sha256sum "$TMP/ro/queue.db" | cut -d' ' -f1)
if as_nobody test -x "$AILAB_QUEUE"; then
	as_nobody "$AILAB_QUEUE" --db "$TMP/ro/queue.db" ls -a >"$TMP/out" 2>"$TMP/err"
	ok "ls reads a read-only queue (directory not writable either)" $?
	is "and lists its jobs" "$(grep -c '^[0-9]' "$TMP/out")" 30
	as_nobody "$AILAB_QUEUE" --db "$TMP/ro/queue.db" show 1 >"$TMP/out" 2>&1 &&
	    as_nobody "$AILAB_QUEUE" --db "$TMP/ro/queue.db" report c >"$TMP/out" 2>&1
	ok "show and report read it too" $?
	as_nobody "$AILAB_QUEUE" --db "$TMP/ro/queue.db" cancel 1 >"$TMP/out" 2>"$TMP/err"
	ok "cancel is refused with exit 1" $([ $? -eq 1 ]; echo $?)
	like "it says read-only" "$TMP/err" "queue.db: the queue database is read-only"
	is "the file is untouched" "$(sha256sum "$TMP/ro/queue.db" | cut -d' ' -f1)" "$before"
else
	skip_n 6 "the build directory is not reachable by nobody"
fi
finish
