#!/usr/bin/python3
"""Drives the fake API server with Debian's python3-kubernetes and prints what the client saw as one JSON object.

usage: kube_client_check.py URL TOKEN CA_FILE SCENARIO [ARGS...]
  list NS LIMIT                 pages through config maps with limit/_continue
  watch NS RV TIMEOUT           watches config maps from RV with bookmarks, for TIMEOUT seconds at most
  gone NS RV                    watches from a compacted RV: the client must raise ApiException 410
  write NS NAME                 creates a config map, patches it (strategic merge), reads it back, and
                                tries a stale update (must be 409)
"""
import json
import sys

from kubernetes import client, watch
from kubernetes.client.rest import ApiException


def api(url, token, ca):
    conf = client.Configuration()
    conf.host = url
    conf.api_key = {"authorization": "Bearer " + token}
    conf.ssl_ca_cert = ca
    conf.verify_ssl = True
    return client.CoreV1Api(client.ApiClient(conf))


def scenario_list(v1, ns, limit):
    names, pages, token = [], 0, None
    while True:
        kwargs = {"limit": int(limit)}
        if token:
            kwargs["_continue"] = token
        page = v1.list_namespaced_config_map(ns, **kwargs)
        pages += 1
        names += [i.metadata.name for i in page.items]
        token = page.metadata._continue
        if not token:
            return {"names": names, "pages": pages, "resourceVersion": page.metadata.resource_version}


def scenario_watch(v1, ns, rv, timeout):
    events = []
    w = watch.Watch()
    for e in w.stream(v1.list_namespaced_config_map, ns, resource_version=rv, allow_watch_bookmarks=True,
                      timeout_seconds=int(timeout)):
        raw = e["raw_object"]
        events.append({"type": e["type"], "name": raw.get("metadata", {}).get("name"),
                       "resourceVersion": raw.get("metadata", {}).get("resourceVersion")})
        if e["type"] == "BOOKMARK":
            w.stop()
    return {"events": events}


def scenario_gone(v1, ns, rv):
    try:
        for _ in watch.Watch().stream(v1.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=5):
            pass
    except ApiException as e:
        return {"status": e.status, "reason": e.reason}
    return {"status": None}


def scenario_write(v1, ns, name):
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels={"app": "py"}), data={"a": "1"})
    created = v1.create_namespaced_config_map(ns, body)
    patched = v1.patch_namespaced_config_map(name, ns, {"data": {"b": "2"}, "metadata": {"labels": {"tier": "x"}}})
    read = v1.read_namespaced_config_map(name, ns)
    stale = client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, resource_version=created.metadata.resource_version),
                               data={"c": "3"})
    try:
        v1.replace_namespaced_config_map(name, ns, stale)
        conflict = None
    except ApiException as e:
        conflict = {"status": e.status, "reason": json.loads(e.body).get("reason")}
    try:
        v1.create_namespaced_config_map(ns, body)
        exists = None
    except ApiException as e:
        exists = {"status": e.status, "reason": json.loads(e.body).get("reason")}
    return {"createdRv": created.metadata.resource_version, "patchedRv": patched.metadata.resource_version,
            "data": read.data, "labels": read.metadata.labels, "uid": read.metadata.uid,
            "conflict": conflict, "exists": exists}


def main():
    url, token, ca, scenario, *args = sys.argv[1:]
    v1 = api(url, token, ca)
    result = {"list": scenario_list, "watch": scenario_watch, "gone": scenario_gone, "write": scenario_write}[scenario](v1, *args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
