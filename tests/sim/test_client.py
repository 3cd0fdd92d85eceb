#!/usr/bin/python3
"""Debian's python3-kubernetes client against ailab-kubesim: list, create,
delete and watch pods, deployments and jobs.  Prints TAP.

usage: test_client.py KUBECONFIG
"""
import sys
import time

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

N = 0
FAILED = 0


def ok(desc, cond):
    global N, FAILED
    N += 1
    if cond:
        print("ok %d - %s" % (N, desc))
    else:
        FAILED += 1
        print("not ok %d - %s" % (N, desc))
    sys.stdout.flush()


def until(pred, secs=20):
    end = time.time() + secs
    while time.time() < end:
        try:
            if pred():
                return True
        except ApiException:
            pass
        time.sleep(0.2)
    return False


def pod_body(name, duration="forever"):
    return client.V1Pod(
        metadata=client.V1ObjectMeta(
            name=name, labels={"app": "py"},
            annotations={"ailab-kubesim.io/duration": duration}),
        spec=client.V1PodSpec(containers=[client.V1Container(
            name="c", image="busybox",
            resources=client.V1ResourceRequirements(
                requests={"cpu": "100m", "memory": "64Mi"}))]))


def main():
    kc = sys.argv[1]
    print("1..26")
    config.load_kube_config(config_file=kc, context="alice")
    v1 = client.CoreV1Api()
    apps = client.AppsV1Api()
    batch = client.BatchV1Api()
    ns = "alice"

    nodes = v1.list_node()
    ok("list nodes", len(nodes.items) == 50)
    ok("node info parses", nodes.items[0].status.node_info.kubelet_version
       == "v1.32.4")
    ok("list pods, none", len(v1.list_namespaced_pod(ns).items) == 0)

    p = v1.create_namespaced_pod(ns, pod_body("py1"))
    ok("create a pod", p.metadata.name == "py1" and p.metadata.uid)
    ok("requests without limits: Burstable", p.status.qos_class == "Burstable")
    g = pod_body("pyq")
    g.spec.containers[0].resources.limits = {"cpu": "100m", "memory": "64Mi"}
    v1.create_namespaced_pod(ns, g)
    ok("requests = limits: qos_class Guaranteed",
       v1.read_namespaced_pod("pyq", ns).status.qos_class == "Guaranteed")
    v1.delete_namespaced_pod("pyq", ns)
    try:
        v1.create_namespaced_pod(ns, pod_body("py1"))
        ok("duplicate create fails", False)
    except ApiException as e:
        ok("duplicate create is 409", e.status == 409)
    try:
        v1.list_namespaced_pod("bob")
        ok("bob's namespace is forbidden", False)
    except ApiException as e:
        ok("bob's namespace is forbidden (403)", e.status == 403)
    try:
        v1.read_namespaced_pod("nope", ns)
        ok("unknown pod", False)
    except ApiException as e:
        ok("unknown pod is 404", e.status == 404)

    w = watch.Watch()
    seen = []
    for ev in w.stream(v1.list_namespaced_pod, ns, timeout_seconds=10):
        seen.append((ev["type"], ev["object"].status.phase))
        if ev["object"].status.phase == "Running":
            w.stop()
    ok("watch sees the pod ADDED", seen and seen[0][0] == "ADDED")
    ok("watch sees it Running", any(ph == "Running" for _, ph in seen))

    v1.delete_namespaced_pod("py1", ns)
    ok("delete the pod", until(lambda: not any(
        x.metadata.name == "py1" for x in v1.list_namespaced_pod(ns).items)))

    dep = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="pyweb"),
        spec=client.V1DeploymentSpec(
            replicas=2,
            selector=client.V1LabelSelector(match_labels={"app": "pyweb"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(
                    labels={"app": "pyweb"},
                    annotations={"ailab-kubesim.io/duration": "forever"}),
                spec=pod_body("x").spec)))
    d = apps.create_namespaced_deployment(ns, dep)
    ok("create a deployment", d.metadata.name == "pyweb")
    ok("list deployments", [x.metadata.name for x in
                            apps.list_namespaced_deployment(ns).items]
       == ["pyweb"])
    ok("the deployment becomes ready", until(
        lambda: apps.read_namespaced_deployment("pyweb", ns)
        .status.ready_replicas == 2))
    ok("its pods carry a pod-template-hash", all(
        "pod-template-hash" in x.metadata.labels for x in
        v1.list_namespaced_pod(ns, label_selector="app=pyweb").items))
    apps.delete_namespaced_deployment("pyweb", ns)
    ok("delete the deployment and its pods", until(
        lambda: len(v1.list_namespaced_pod(
            ns, label_selector="app=pyweb").items) == 0))

    job = client.V1Job(
        metadata=client.V1ObjectMeta(name="pyjob"),
        spec=client.V1JobSpec(
            completions=2, parallelism=2, completion_mode="Indexed",
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(
                    annotations={"ailab-kubesim.io/duration": "30s"}),
                spec=client.V1PodSpec(
                    restart_policy="Never",
                    containers=pod_body("x").spec.containers))))
    j = batch.create_namespaced_job(ns, job)
    ok("create a job", j.metadata.name == "pyjob")
    ok("list jobs", [x.metadata.name for x in
                     batch.list_namespaced_job(ns).items] == ["pyjob"])
    w = watch.Watch()
    done = False
    for ev in w.stream(batch.list_namespaced_job, ns, timeout_seconds=20):
        conds = ev["object"].status.conditions or []
        if any(c.type == "Complete" and c.status == "True" for c in conds):
            done = True
            w.stop()
    ok("watch the job to Complete", done)
    j = batch.read_namespaced_job("pyjob", ns)
    ok("succeeded 2", j.status.succeeded == 2)
    ok("completedIndexes", j.status.completed_indexes == "0-1")
    batch.delete_namespaced_job("pyjob", ns, propagation_policy="Background")
    ok("delete the job with Background", until(
        lambda: len(batch.list_namespaced_job(ns).items) == 0))
    ok("its pods go too", until(lambda: len(v1.list_namespaced_pod(
        ns, label_selector="batch.kubernetes.io/job-name=pyjob").items) == 0))
    q = v1.list_namespaced_resource_quota(ns).items[0]
    ok("quota status parses", q.status.hard["requests.nvidia.com/gpu"] == "16")
    ok("quota used is back to 0 pods", until(lambda: v1.list_namespaced_resource_quota(ns).items[0].status.used["pods"] == "0"))
    sys.exit(1 if FAILED else 0)


main()
