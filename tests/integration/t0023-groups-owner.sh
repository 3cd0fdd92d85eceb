#!/bin/sh
# Groups on a local queue are scoped by owner: the local user and another
# owner (--owner, as an admin records for someone) may each have a group
# "hw1"; every lookup by group name is the local user's, or --owner's:
# ls, cancel, the roster resubmission check (--append), and dependencies
# (after: group:NAME resolves within the submitter's own groups).  The
# store shows two groups of one name.
. "$top_srcdir/tests/lib.sh"
plan 19

cd "$TMP" || exit 1
printf 'name: a\nnamespace: alice\nimage: busybox\ncommand: ["true"]\n---\nname: b\nnamespace: alice\nimage: busybox\ncommand: ["true"]\n' >two.yaml
printf 'name: c\nnamespace: bob\nimage: busybox\ncommand: ["true"]\n' >one.yaml
check "the local user: a group hw1 of two" aq submit --group hw1 two.yaml
check "bob (--owner): a group hw1 of one" aq submit --owner bob --group hw1 one.yaml
is "the store holds two groups named hw1, one per owner" \
    "$(sqlite3 "$AILAB_QUEUE_DB" "SELECT owner || ':' || name FROM groups ORDER BY id" | tr '\n' ' ')" \
    "$(id -un):hw1 bob:hw1 "
check "ls --group hw1 -q" aq ls --group hw1 -q
is "  the local user's two" "$(tr '\n' ' ' <"$TMP/out")" "1 2 "
check "ls --group hw1 --owner bob -q" aq ls --group hw1 --owner bob -q
is "  bob's one" "$(tr '\n' ' ' <"$TMP/out")" "3 "
check "cancel --group hw1 --owner bob" aq cancel --group hw1 --owner bob
is "  only bob's job is cancelled" "$(aq ls --all -o json | python3 -c 'import json,sys; print(" ".join(j["state"] for j in json.load(sys.stdin)))')" \
    "queued queued cancelled"

# Rosters: the resubmission check is per owner.
printf 'id\ns1\ns2\n' >class.csv
printf 'name: lab-${s.id}\nnamespace: alice\nimage: busybox\ncommand: ["true"]\nfor_each: {roster: class.csv, as: s}\n' >lab.yaml
check "bob submits the class as group lab" aq submit --owner bob --group lab lab.yaml
check "the local user's own group lab is new: not refused" aq submit --group lab lab.yaml
fails "bob again: refused (exit 2)" 2 aq submit --owner bob --group lab lab.yaml
like "  his group already has his jobs" "$TMP/err" "the roster's group 'lab' already has 2 of your jobs"
check "bob again with --append" aq submit --owner bob --group lab --append lab.yaml
is "  bob's group lab has four jobs, the local user's two" \
    "$(aq ls --group lab --owner bob -q | wc -l) $(aq ls --group lab -q | wc -l)" "4 2"

# Dependencies resolve within the submitter's own groups.
printf 'name: d\nnamespace: carol\nimage: busybox\ncommand: ["true"]\nafter: [group:lab]\n' >dep.yaml
fails "carol: after group:lab (others' groups): exit 2" 2 aq submit --owner carol dep.yaml
like "  not one of her groups" "$TMP/err" "'group:lab' is not one of your groups"
check "bob: after group:lab (his own)" aq submit --owner bob dep.yaml
is "  queued" "$(aq ls --owner bob --name d -q | wc -l)" 1
finish
