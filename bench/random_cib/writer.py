"""A generated `Cluster` as CIB XML that ``crm_simulate`` 2.1.5 accepts.

The status is written the way a running controller would leave it: one ``node_state``
per node, an ``lrm_resource`` per primitive with history there, each operation with its
``transition-key`` (expected rc), ``transition-magic``, ``call-id``, ``rc-code``,
``op-status`` and — so that Pacemaker sees no configuration change and schedules no
restart — the ``op-digest`` it would compute itself (`digest`).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from bench.random_cib.model import (
    INFINITY,
    Active,
    Clone,
    Cluster,
    Colocation,
    ColocationSet,
    FoundRunning,
    Group,
    Location,
    LocationRule,
    NodeAttribute,
    NodeLost,
    OpFailed,
    Order,
    OrderSet,
    Primitive,
    Resource,
    primitives,
)

FEATURE_SET = "3.16.1"  # no newer than crm_simulate 2.1.5's own, or it refuses the CIB
UUID = "00000000-0000-0000-0000-000000000000"
EXECUTION_DATE = 1_700_000_600  # "now" for failure-timeout, on both sides
HISTORY_TIME = 1_700_000_000
MONITOR_TIMEOUT_MS = 20_000  # the default op timeout; recurring digests include it


def digest(params: dict[str, str]) -> str:
    """The op-digest Pacemaker computes (`calculate_operation_digest`): md5 of the sorted
    ``<parameters …/>`` element as libxml dumps it (one leading space, one newline).

    >>> digest({})
    'f2317cad3d54cec5d7d7aa7d0bf35cf8'
    >>> digest({"CRM_meta_timeout": "20000"})
    '4811cef7f7f94e3a35a70be7916cb2fd'
    """
    attributes = "".join(f' {k}="{v}"' for k, v in sorted(params.items()))
    return hashlib.md5(f" <parameters{attributes}/>\n".encode()).hexdigest()


def score_text(score: int) -> str:
    if score >= INFINITY:
        return "INFINITY"
    if score <= -INFINITY:
        return "-INFINITY"
    return str(score)


def _nvpairs(parent: ET.Element, tag: str, ident: str, pairs: list[tuple[str, str]]) -> None:
    if not pairs:
        return
    holder = ET.SubElement(parent, tag, id=ident)
    for name, value in pairs:
        ET.SubElement(holder, "nvpair", id=f"{ident}-{name}", name=name, value=value)


def _meta(p: Primitive) -> list[tuple[str, str]]:
    meta = []
    if p.stickiness is not None:
        meta.append(("resource-stickiness", str(p.stickiness)))
    if p.migration_threshold is not None:
        meta.append(("migration-threshold", str(p.migration_threshold)))
    if p.failure_timeout is not None:
        meta.append(("failure-timeout", f"{p.failure_timeout}s"))
    if p.allow_migrate:
        meta.append(("allow-migrate", "true"))
    if p.target_role is not None:
        meta.append(("target-role", p.target_role))
    if not p.managed:
        meta.append(("is-managed", "false"))
    if p.priority is not None:
        meta.append(("priority", str(p.priority)))
    return meta


def _monitors(p: Primitive, promotable: bool) -> list[tuple[int, str | None]]:
    """(interval ms, role) of the primitive's recurring monitors."""
    if promotable:
        return [(10_000, "Promoted"), (11_000, "Unpromoted")]
    return [(10_000, None)]


def _primitive(parent: ET.Element, p: Primitive, promotable: bool) -> None:
    element = ET.SubElement(parent, "primitive", id=p.id, **{"class": "ocf"}, provider="pacemaker", type=p.agent)
    _nvpairs(element, "meta_attributes", f"{p.id}-meta", _meta(p))
    _nvpairs(element, "utilization", f"{p.id}-utilization", [(k, str(v)) for k, v in p.utilization])
    operations = ET.SubElement(element, "operations")
    for interval, role in _monitors(p, promotable):
        op = ET.SubElement(operations, "op", id=f"{p.id}-monitor-{interval}", name="monitor",
                           interval=f"{interval // 1000}s")
        if role:
            op.set("role", role)
        if p.monitor_on_fail:
            op.set("on-fail", p.monitor_on_fail)


def _resource(parent: ET.Element, resource: Resource, promotable: bool = False) -> None:
    if isinstance(resource, Primitive):
        _primitive(parent, resource, promotable)
    elif isinstance(resource, Group):
        group = ET.SubElement(parent, "group", id=resource.id)
        if resource.target_role:
            _nvpairs(group, "meta_attributes", f"{resource.id}-meta", [("target-role", resource.target_role)])
        for member in resource.members:
            _primitive(group, member, promotable)
    else:
        clone = ET.SubElement(parent, "clone", id=resource.id)
        meta = []
        if resource.promotable:
            meta.append(("promotable", "true"))
        for name, value in (("clone-max", resource.clone_max), ("clone-node-max", resource.clone_node_max),
                            ("promoted-max", resource.promoted_max)):
            if value is not None:
                meta.append((name, str(value)))
        if resource.interleave:
            meta.append(("interleave", "true"))
        if resource.unique:
            meta.append(("globally-unique", "true"))
        _nvpairs(clone, "meta_attributes", f"{resource.id}-meta", meta)
        _resource(clone, resource.child, resource.promotable)


def _constraint(parent: ET.Element, c: object) -> None:
    if isinstance(c, Location):
        element = ET.SubElement(parent, "rsc_location", id=c.id, rsc=c.rsc, node=c.node, score=score_text(c.score))
        if c.role:
            element.set("role", c.role)
    elif isinstance(c, LocationRule):
        element = ET.SubElement(parent, "rsc_location", id=c.id, rsc=c.rsc)
        rule = ET.SubElement(element, "rule", id=f"{c.id}-rule", score=score_text(c.score))
        expression = ET.SubElement(rule, "expression", id=f"{c.id}-expr", attribute=c.attribute,
                                   operation=c.op)
        if c.value is not None:
            expression.set("value", c.value)
            expression.set("type", c.kind)
    elif isinstance(c, Colocation):
        element = ET.SubElement(parent, "rsc_colocation", id=c.id, rsc=c.rsc, **{"with-rsc": c.with_rsc},
                                score=score_text(c.score))
        if c.rsc_role:
            element.set("rsc-role", c.rsc_role)
        if c.with_role:
            element.set("with-rsc-role", c.with_role)
    elif isinstance(c, Order):
        element = ET.SubElement(parent, "rsc_order", id=c.id, first=c.first, then=c.then, kind=c.kind)
        if c.symmetrical is not None:
            element.set("symmetrical", str(c.symmetrical).lower())
        if c.first_action:
            element.set("first-action", c.first_action)
        if c.then_action:
            element.set("then-action", c.then_action)
    elif isinstance(c, ColocationSet | OrderSet):
        if isinstance(c, ColocationSet):
            element = ET.SubElement(parent, "rsc_colocation", id=c.id, score=score_text(c.score))
        else:
            element = ET.SubElement(parent, "rsc_order", id=c.id, kind=c.kind)
        for index, (members, sequential) in enumerate(c.sets):
            rset = ET.SubElement(element, "resource_set", id=f"{c.id}-set{index}",
                                 sequential=str(sequential).lower())
            for member in members:
                ET.SubElement(rset, "resource_ref", id=member)


def _configuration(root: ET.Element, cluster: Cluster) -> None:
    configuration = ET.SubElement(root, "configuration")
    crm_config = ET.SubElement(configuration, "crm_config")
    o = cluster.options
    options = [
        ("stonith-enabled", str(o.stonith).lower()),
        ("no-quorum-policy", o.no_quorum_policy),
        ("symmetric-cluster", str(o.symmetric).lower()),
        ("placement-strategy", o.placement_strategy),
        ("start-failure-is-fatal", str(o.start_failure_is_fatal).lower()),
        ("enable-startup-probes", str(o.probes).lower()),
    ]
    _nvpairs(crm_config, "cluster_property_set", "cib-bootstrap-options", options)
    nodes = ET.SubElement(configuration, "nodes")
    for index, node in enumerate(cluster.nodes, 1):
        element = ET.SubElement(nodes, "node", id=str(index), uname=node.name)
        attributes = list(node.attributes)
        if node.standby:
            attributes.append(("standby", "on"))
        if node.maintenance:
            attributes.append(("maintenance", "true"))
        _nvpairs(element, "instance_attributes", f"nodes-{index}", attributes)
        _nvpairs(element, "utilization", f"nodes-{index}-utilization", [(k, str(v)) for k, v in node.capacity])
    resources = ET.SubElement(configuration, "resources")
    for device in cluster.fencing:
        element = ET.SubElement(resources, "primitive", id=device.id, **{"class": "stonith"}, type="fence_dummy")
        if device.hosts:
            _nvpairs(element, "instance_attributes", f"{device.id}-params",
                     [("pcmk_host_list", " ".join(device.hosts))])
    for resource in cluster.resources:
        _resource(resources, resource)
    constraints = ET.SubElement(configuration, "constraints")
    for constraint in cluster.constraints:
        _constraint(constraints, constraint)
    if o.stickiness:
        defaults = ET.SubElement(configuration, "rsc_defaults")
        _nvpairs(defaults, "meta_attributes", "rsc-options", [("resource-stickiness", str(o.stickiness))])


@dataclass
class _History:
    """Operation histories being written, with the cluster-wide call-id counter."""

    calls: int = 0
    ops: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)  # (lrm id, node) → ops
    agents: dict[tuple[str, str], tuple[str, str, str | None]] = field(default_factory=dict)
    fails: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # node → transient attributes

    def op(self, rsc: str, node: str, agent: tuple[str, str, str | None], key: str, operation: str,
           interval: int, rc: int, expected: int, digest_params: dict[str, str], when: int = HISTORY_TIME) -> None:
        self.calls += 1
        self.agents[(rsc, node)] = agent
        transition_key = f"{self.calls}:1:{expected}:{UUID}"
        self.ops.setdefault((rsc, node), []).append({
            "id": key,
            "operation_key": f"{rsc}_{operation}_{interval}",
            "operation": operation,
            "crm-debug-origin": "differential",
            "crm_feature_set": FEATURE_SET,
            "transition-key": transition_key,
            "transition-magic": f"0:{rc};{transition_key}",
            "exit-reason": "",
            "on_node": node,
            "call-id": str(self.calls),
            "rc-code": str(rc),
            "op-status": "0",
            "interval": str(interval),
            "last-rc-change": str(when),
            "exec-time": "0",
            "queue-time": "0",
            "op-digest": digest(digest_params),
        })

    def drop(self, rsc: str, node: str, key: str) -> None:
        self.ops[(rsc, node)] = [op for op in self.ops.get((rsc, node), []) if op["id"] != key]


def _lrm_ids(cluster: Cluster) -> dict[str, tuple[tuple[str, str, str | None], bool, Primitive]]:
    """Primitive id → (agent triple, promotable, primitive) for everything with history."""
    out = {}
    for resource in cluster.resources:
        promotable = isinstance(resource, Clone) and resource.promotable
        for p in primitives(resource):
            out[p.id] = (("ocf", p.agent, "pacemaker"), promotable, p)
    for device in cluster.fencing:
        out[device.id] = (("stonith", "fence_dummy", None), False, Primitive(device.id))
    return out


def _device_params(cluster: Cluster, rsc: str) -> dict[str, str]:
    for device in cluster.fencing:
        if device.id == rsc and device.hosts:
            return {"pcmk_host_list": " ".join(device.hosts)}
    return {}


def _histories(cluster: Cluster) -> _History:
    info = _lrm_ids(cluster)
    history = _History()

    def base(rsc: str) -> str:
        return rsc.split(":")[0]

    def start(a: Active) -> None:
        agent, promotable, p = info[base(a.rsc)]
        params = _device_params(cluster, base(a.rsc))
        history.op(a.rsc, a.node, agent, f"{a.rsc}_last_0", "promote" if a.promoted else "start", 0, 0, 0, params)
        if agent[0] == "stonith":
            return
        interval, _ = _monitors(p, promotable)[0 if a.promoted or not promotable else 1]
        rc = 8 if a.promoted else 0
        history.op(a.rsc, a.node, agent, f"{a.rsc}_monitor_{interval}", "monitor", interval, rc, rc,
                   {**params, "CRM_meta_timeout": str(MONITOR_TIMEOUT_MS)})

    for rsc, node in cluster.probed:
        agent, _, _ = info[base(rsc)]
        history.op(rsc, node, agent, f"{rsc}_last_0", "monitor", 0, 7, 7, _device_params(cluster, base(rsc)))
    for active in cluster.active:
        history.drop(active.rsc, active.node, f"{active.rsc}_last_0")
        start(active)
    for event in cluster.events:
        if isinstance(event, OpFailed):
            _failure(cluster, history, info, event)
        elif isinstance(event, FoundRunning):
            agent, _, _ = info[base(event.rsc)]
            history.drop(event.rsc, event.node, f"{event.rsc}_last_0")
            history.op(event.rsc, event.node, agent, f"{event.rsc}_last_0", "monitor", 0, 0, 7,
                       _device_params(cluster, base(event.rsc)))
    return history


def _failure(cluster: Cluster, history: _History, info: dict, event: OpFailed) -> None:
    agent, promotable, p = info[event.rsc.split(":")[0]]
    promoted = any(a.rsc == event.rsc and a.node == event.node and a.promoted for a in cluster.active)
    when = EXECUTION_DATE - event.age
    if event.operation == "monitor":
        interval, _ = _monitors(p, promotable)[0 if promoted or not promotable else 1]
        expected = 8 if promoted else 0
        key = f"{event.rsc}_monitor_{interval}"
        history.drop(event.rsc, event.node, key)
        params = {"CRM_meta_timeout": str(MONITOR_TIMEOUT_MS)}
        for ident in (key, f"{event.rsc}_last_failure_0"):
            history.op(event.rsc, event.node, agent, ident, "monitor", interval, event.rc, expected, params, when)
        suffix = f"monitor_{interval}"
        count = str(event.count)
    else:
        # The failed start or stop is the resource's last operation: recurring monitors
        # were cancelled before a stop, and never started after a failed start.
        history.ops[(event.rsc, event.node)] = []
        if event.operation == "stop":
            history.op(event.rsc, event.node, agent, f"{event.rsc}_monitor_10000", "monitor", 10_000, 0, 0,
                       {"CRM_meta_timeout": str(MONITOR_TIMEOUT_MS)})
            history.drop(event.rsc, event.node, f"{event.rsc}_monitor_10000")
        for ident in (f"{event.rsc}_last_0", f"{event.rsc}_last_failure_0"):
            history.op(event.rsc, event.node, agent, ident, event.operation, 0, event.rc, 0, {}, when)
        suffix = f"{event.operation}_0"
        fatal = event.operation == "stop" or (event.operation == "start" and cluster.options.start_failure_is_fatal)
        count = "INFINITY" if fatal else str(event.count)
    attrs = history.fails.setdefault(event.node, [])
    attrs.append((f"fail-count-{event.rsc}#{suffix}", count))
    attrs.append((f"last-failure-{event.rsc}#{suffix}", str(when)))


def _status(root: ET.Element, cluster: Cluster) -> None:
    status = ET.SubElement(root, "status")
    history = _histories(cluster)
    lost = {e.node: e for e in cluster.events if isinstance(e, NodeLost)}
    transient = {}
    for event in cluster.events:
        if isinstance(event, NodeAttribute):
            transient.setdefault(event.node, []).append((event.name, event.value))
    for index, node in enumerate(cluster.nodes, 1):
        gone = lost.get(node.name)
        state = {"id": str(index), "uname": node.name, "in_ccm": "true", "crmd": "online", "join": "member",
                 "expected": "member", "crm-debug-origin": "differential"}
        if gone is not None:
            state.update(in_ccm="false", crmd="offline", join="down", expected="down" if gone.clean else "member")
        element = ET.SubElement(status, "node_state", **state)
        pairs = transient.get(node.name, []) + history.fails.get(node.name, [])
        if pairs:
            attributes = ET.SubElement(element, "transient_attributes", id=str(index))
            holder = ET.SubElement(attributes, "instance_attributes", id=f"status-{index}")
            for name, value in pairs:
                ET.SubElement(holder, "nvpair", id=f"status-{index}-{name}", name=name, value=value)
        if gone is not None and gone.clean:
            continue  # a node that left cleanly stopped everything; the DC erased its history
        lrm = ET.SubElement(element, "lrm", id=str(index))
        resources = ET.SubElement(lrm, "lrm_resources")
        for (rsc, where), ops in history.ops.items():
            if where != node.name or not ops:
                continue
            klass, agent, provider = history.agents[(rsc, where)]
            entry = ET.SubElement(resources, "lrm_resource", id=rsc, **{"class": klass}, type=agent)
            if provider:
                entry.set("provider", provider)
            for op in ops:
                ET.SubElement(entry, "lrm_rsc_op", **op)


def to_xml(cluster: Cluster) -> str:
    """The CIB for ``cluster``: its configuration and its status after the events."""
    root = ET.Element("cib", {
        "crm_feature_set": FEATURE_SET, "validate-with": "pacemaker-3.7", "epoch": "1", "num_updates": "0",
        "admin_epoch": "0", "have-quorum": "1" if cluster.options.have_quorum else "0", "dc-uuid": "1",
        "execution-date": str(EXECUTION_DATE),
    })
    _configuration(root, cluster)
    _status(root, cluster)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"

