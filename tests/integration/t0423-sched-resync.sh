#!/bin/sh
# What the change events miss, the follow of every running job catches.
# Passes follow only the running jobs whose objects changed or whose
# deadline is due (t0422); every 15 intervals a resync follows all of
# them, and a watch that lists again (its history gone) makes the next
# pass follow all of them too.  Two one-GPU jobs on a roomy cluster
# (ailab-kubesim at --speed 10) under one `sched -v --interval 0.5s`:
# "keep" runs for ever, "short" for 600 simulated seconds.  While "short"
# runs, the simulated API server cuts every request and restarts, and its
# history is compacted: "short" ends while no watch is open, and no event
# of its end ever reaches the scheduler.  Asserted on the simulated
# cluster (/sim/state) and the queue: "short" ends succeeded with its
# objects deleted, "keep" runs with its objects; and on the scheduler's
# log: the pass that ended "short" followed every running job, and the
# periodic resync followed every running job between passes that
# followed none.
. "$top_srcdir/tests/lib.sh"
plan 6

bail_unless start_kubesim --cluster "$FIXTURES/sim-roomy.yaml" --speed 10
submit_short keep forever
submit_short short 600s
start_sched --context alice -v sched --interval 0.5s

ok_within "both jobs run" 60 jobs_running 2
# Every request cut, every connection with it; the history compacted
# once "short" has ended on the cluster (its pod Succeeded, or gone).
kubesim_fault '{"drop": 1.0}'
kubesim_fault '{"restart": true}'
short_done() {
	sim_get /sim/state | python3 -c 'import json, sys
st = json.load(sys.stdin)
ph = [((o.get("status") or {}).get("containerStatuses") or [{}])[0]
      for o in st.get("pods", [])
      if (o["metadata"].get("labels") or {}).get("ailab-queue.io/job-id") == "2"]
sys.exit(0 if ph and all("terminated" in (c.get("lastState") or {}) or
                         "terminated" in (c.get("state") or {}) for c in ph) else 1)'
}
ok_within "the short job's run ends while the watches are cut" 120 short_done
kubesim_fault '{"expireWatches": true}'
kubesim_fault '{"drop": 0}'

ok_within "the short job is followed to its end (succeeded)" \
    90 job_state_is 2 succeeded
ok_within "its objects are deleted (simulator's state)" 60 job_gone 2
case "$(sched_ended_by 2 'succeeded')" in
"all: "*) r=0 ;;
*) r=1; echo "# ended by: $(sched_ended_by 2 'succeeded')" ;;
esac
ok "the pass that ended it followed every running job (no event told)" $r
# The periodic resync, with nothing changing: runs of passes that follow
# no running job, each closed by one that follows every one.
sleep 10
awk '/pass: follow: .* \(all: resync\)/ { if (idle > 0 && $6 == $8) n++; idle = 0; next }
/pass: follow: 0 of [1-9][0-9]* running jobs followed \(changed or due\)/ { idle++ }
END { exit n >= 2 ? 0 : 1 }' "$TMP/sched.out"
ok "the resync follows every running job, between passes that follow none" $?
stop_sched 2>/dev/null
finish
