#!/usr/bin/python3
"""Generates sim/sim-schema.c: the JSON field names of the API types
ailab-kubesim serves, for unknown-field detection (fieldValidation), with
the list merge keys strategic merge patches use.

usage: sim/gen-schema.py API_REPO TAG >sim/sim-schema.c
  API_REPO: a clone of https://github.com/kubernetes/api; TAG: v0.32.4
  (Kubernetes 1.32.4, the version the simulator reports).  The meta/v1
  types live in apimachinery and are written out below.  Go struct
  fields are read from their json tags (inline members are flattened)
  and patchStrategy/patchMergeKey tags.
"""
import re
import subprocess
import sys

REPO, TAG = sys.argv[1], sys.argv[2]
FILES = {
    "core": "core/v1/types.go",
    "apps": "apps/v1/types.go",
    "batch": "batch/v1/types.go",
    "coordination": "coordination/v1/types.go",
    "discovery": "discovery/v1/types.go",
}
PREFIX = {"core": "", "meta": "", "apps": "apps.", "batch": "batch.",
          "coordination": "coord.", "discovery": "disc."}
# Kinds served; their status is not checked.
ROOTS = {
    ("core", "Pod"), ("core", "Service"), ("core", "ConfigMap"),
    ("core", "Secret"), ("core", "PersistentVolumeClaim"),
    ("core", "ResourceQuota"), ("core", "Namespace"),
    ("core", "ServiceAccount"), ("core", "Event"), ("core", "Node"),
    ("core", "LimitRange"), ("core", "Endpoints"), ("core", "PodTemplate"),
    ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
    ("apps", "DaemonSet"), ("batch", "Job"), ("batch", "CronJob"),
    ("coordination", "Lease"), ("discovery", "EndpointSlice"),
}
# apimachinery meta/v1, in the notation of the output.
META = {
    "ObjectMeta": "name generateName namespace selfLink uid resourceVersion "
    "generation creationTimestamp deletionTimestamp "
    "deletionGracePeriodSeconds labels annotations "
    "ownerReferences:[]OwnerReference@uid finalizers@ "
    "managedFields:[]ManagedFieldsEntry",
    "OwnerReference": "apiVersion kind name uid controller "
    "blockOwnerDeletion",
    "ManagedFieldsEntry": "manager operation apiVersion time fieldsType "
    "fieldsV1 subresource",
    "LabelSelector": "matchLabels matchExpressions:[]LabelSelectorRequirement",
    "LabelSelectorRequirement": "key operator values",
}

FIELD = re.compile(r'^\s*(?:(\w+)\s+)?([\w.\[\]*]+)\s+`([^`]*)`')
TAG_RE = re.compile(r'(\w+):"([^"]*)"')

structs = {}    # (pkg, name) -> [(json name or None when inline, type, tags)]
for pkg, path in FILES.items():
    src = subprocess.run(["git", "-C", REPO, "show", "%s:%s" % (TAG, path)],
                         capture_output=True, text=True, check=True).stdout
    cur = None
    for line in src.splitlines():
        m = re.match(r'^type (\w+) struct \{', line)
        if m:
            cur = (pkg, m.group(1))
            structs[cur] = []
        elif line.startswith("}"):
            cur = None
        elif cur is not None and not line.strip().startswith("//"):
            m = FIELD.match(line)
            if m:
                tags = dict(TAG_RE.findall(m.group(3)))
                if "json" not in tags:
                    continue
                name = tags["json"].split(",")[0]
                if name != "-":
                    structs[cur].append((name or None, m.group(2), tags))


def resolve(pkg, t):
    """(kind, (pkg, struct)) of a Go type; kind is '', '[]' or '{}'."""
    kind = ""
    t = t.lstrip("*")
    if t.startswith("[]"):
        kind, t = "[]", t[2:].lstrip("*")
    elif t.startswith("map["):
        kind, t = "{}", t[t.index("]") + 1:].lstrip("*")
    if "." in t:
        p, n = t.split(".", 1)
        if p == "metav1":
            return (kind, ("meta", n)) if n in META else ("", None)
        p = {"v1": "core", "corev1": "core"}.get(p, p)
        return (kind, (p, n)) if (p, n) in structs else ("", None)
    return (kind, (pkg, t)) if (pkg, t) in structs else ("", None)


def fields(key):
    """[(name, text)] of a struct, inline members flattened."""
    if key[0] == "meta":
        return [(f.split(":")[0].rstrip("@"), f)
                for f in META[key[1]].split()]
    out = []
    for name, t, tags in structs[key]:
        kind, sub = resolve(key[0], t)
        if name is None:
            if t.lstrip("*") == "metav1.TypeMeta":
                out += [("apiVersion", "apiVersion"), ("kind", "kind")]
            elif sub is not None:
                out += fields(sub)
            continue
        merge = "merge" in tags.get("patchStrategy", "").split(",")
        if sub is None or (key in ROOTS and name == "status"):
            out.append((name, name + ("@" if merge and kind == "[]" or
                                      merge and t.startswith("[]") else "")))
            continue
        text = "%s:%s%s" % (name, kind, PREFIX[sub[0]] + sub[1])
        if merge and kind == "[]" and tags.get("patchMergeKey"):
            text += "@" + tags["patchMergeKey"]
        out.append((name, text))
    return out


def subtypes(key):
    """The structs a struct's fields hold."""
    out = []
    if key[0] == "meta":
        for f in META[key[1]].split():
            if ":" in f:
                out.append(("meta", f.split(":")[1].lstrip("[]").split("@")[0]))
        return out
    for name, t, tags in structs[key]:
        kind, sub = resolve(key[0], t)
        if sub is None:
            continue
        if name is None:
            if t.lstrip("*") != "metav1.TypeMeta":
                out += subtypes(sub)
        elif not (key in ROOTS and name == "status"):
            out.append(sub)
    return out


def entry(name, texts):
    """One entry: on one line when it fits in 80 columns, else the name
    and the fields wrapped below it."""
    one = '\t{ "%s", "%s" },' % (name, " ".join(texts))
    if len(one.expandtabs(8)) <= 80:
        return one
    lines, cur = [], ""
    for text in texts:
        if cur and len(cur) + len(text) + 1 > 63:
            lines.append(cur + " ")
            cur = text
        else:
            cur = (cur + " " + text) if cur else text
    lines.append(cur)
    body = "\n\t    ".join('"%s"' % line for line in lines)
    return '\t{ "%s",\n\t    %s },' % (name, body)


seen = set()


def walk(key):
    if key in seen:
        return
    seen.add(key)
    for sub in subtypes(key):
        walk(sub)


for root in sorted(ROOTS):
    walk(root)

print("""/*
 * The JSON field names of the API types ailab-kubesim serves, generated
 * by sim/gen-schema.py from kubernetes/api %s (Kubernetes 1.32) and
 * apimachinery's meta/v1: what the apiserver's strict decoder knows, for
 * fieldValidation, and how strategic merge patches merge lists.  A field
 * with a type names the struct its value holds ("[]": each list item,
 * "{}": each map value); "@key" merges a list of structs by that key, a
 * bare "@" merges a list of scalars as a set; other fields hold scalars,
 * lists of scalars or free-form maps.  Status is not checked.  Do not
 * edit; regenerate.
 */
#include "sim-int.h"

const struct sim_stype sim_stypes[] = {""" % TAG)


for key in sorted(seen, key=lambda k: PREFIX[k[0]] + k[1]):
    print(entry(PREFIX[key[0]] + key[1], [t for _, t in fields(key)]))
print("};\nconst size_t sim_nstypes = sizeof sim_stypes / sizeof sim_stypes[0];")
