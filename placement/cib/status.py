"""``<status>`` → `State`: node membership, transient attributes, what runs where, failures.

Node status follows ``determine_online_status`` of Pacemaker 2.1.5 (``unpack.c``,
SEMANTICS.md §2): a configured node never seen is unclean while ``startup-fencing`` is
on; a node that left the membership without a clean shutdown is unclean; one still
joining (or leaving: ``expected=down``) is up but takes nothing, like standby. Each
``lrm_resource`` is replayed by `placement.cib.history`, and what the replay says
(an active role, a failure and its ``on-fail`` response) becomes instances, failed
operations and node changes (``on-fail=fence`` makes the node unclean, ``standby``
puts it in standby; an active resource on a node that is down makes it unclean).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Final
from xml.etree.ElementTree import Element

from placement.cib import attributes, migration, remote
from placement.cib.configuration import Imported
from placement.cib.digests import Definitions
from placement.cib.history import OnFail, Op, Outcome, Policy, replay
from placement.cib.values import is_true, parse_int_prefix, parse_score_or_none, version_below
from placement.cib.xml import Document
from placement.errors import Unsupported
from placement.hierarchy import Hierarchy
from placement.model import Clone, Config, NodeKind, NoQuorumPolicy, Primitive, Role, frozen_map
from placement.remote import is_hosted
from placement.score import add
from placement.state import FailCount, FailedOperation, Instance, NodeState, NodeStatus, State

_FAIL_ATTRIBUTE: Final = re.compile(r"^(fail-count|last-failure)-(.+?)(?:#(.+)_(\d+))?$")
_INSTANCE: Final = re.compile(r"^(.*):(\d+)$")
_ON_FAIL_WORD: Final = {
    OnFail.IGNORE: "ignore",
    OnFail.DEMOTE: "demote",
    OnFail.RESTART: "restart",
    OnFail.RESTART_CONTAINER: "restart-container",
    OnFail.MIGRATE: "ban",
    OnFail.BLOCK: "block",
    OnFail.STOP: "stop",
    OnFail.STANDBY: "standby",
    OnFail.FENCE: "fence",
}


@dataclass
class _Node:
    """A node while the status is being unpacked (mutable: later steps refine it)."""

    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    online: bool = False
    unclean: bool = False
    standby: bool = False
    maintenance: bool = False
    shutdown: bool = False
    fenced_before: bool = False  # a remote node's node_state says it was fenced (node_fenced)
    pending: bool = False  # up but not ready to run anything (joining)
    probed: set[str] = field(default_factory=set)  # primitives with a history here (known_on)

    def to_state(self) -> NodeState:
        if self.unclean:
            status = NodeStatus.UNCLEAN
        elif not self.online:
            status = NodeStatus.OFFLINE
        elif self.maintenance:
            status = NodeStatus.MAINTENANCE
        elif self.standby:
            status = NodeStatus.STANDBY
        else:
            status = NodeStatus.ONLINE
        return NodeState(
            status=status,
            attributes=frozen_map(self.attributes),
            shutdown=self.shutdown,
            in_membership=self.unclean and self.online,
            pending=self.pending and self.online and not self.unclean,
            probed=frozenset(self.probed) if self.pending else frozenset(),
        )


def unpack(document: Document, imported: Imported, now: int | None = None) -> State:
    """The `State` described by the CIB's ``<status>``.

    Without a ``<status>`` every node is unseen: unclean when it could be fenced (and
    ``startup-fencing`` is on), else offline — as Pacemaker reads such a CIB.
    """
    config = imported.config
    root = document.root
    options = imported.options
    fencing = config.cluster.fencing
    # compat(pacemaker): crm_simulate evaluates time against the CIB's execution-date.
    execution_date = root.get("execution-date")
    if execution_date:
        now = parse_int_prefix(execution_date)
    startup_fencing = is_true(options.get("startup-fencing", "true"))
    # compat(pacemaker): a node never seen is unclean only if it could be fenced.
    nodes = {name: _Node(name, unclean=startup_fencing and fencing and not is_hosted(node))
             for name, node in config.nodes.items()}
    for name, node in config.nodes.items():
        nodes[name].standby = node.standby
        nodes[name].maintenance = node.maintenance
    status = root.find("status")
    states: list[tuple[_Node, Element]] = []
    quorum = is_true(root.get("have-quorum"))
    hosted_states: list[tuple[_Node, Element]] = []
    for element in status.findall("node_state") if status is not None else ():
        node = _find_node(element, nodes, imported.node_ids)
        if node is None:
            continue  # compat(pacemaker): state of a node no longer configured is ignored
        if is_hosted(config.nodes[node.name]):
            # compat(pacemaker): unpack_handle_remote_attrs; membership follows the connection.
            _unpack_transient(document, element, node)
            node.fenced_before = (element.get("node_fenced") or "0").strip() not in ("", "0")
            hosted_states.append((node, element))
            continue
        _unpack_node(document, element, node, config, fencing, quorum)
        states.append((node, element))

    unpacker = _History(config, nodes, fencing, now, options, quorum, imported.containers)
    for node, element in states:
        if node.online or fencing:
            unpacker.node(document, node, element)
    # Remote and guest nodes after the cluster nodes: their connections' histories say
    # whether they are up (compat(pacemaker): unpack_node_history's passes).
    remote.settle_online(config, nodes, unpacker.found, fencing, unpacker.resets)
    for node, element in hosted_states:
        if config.nodes[node.name].kind is not NodeKind.GUEST and (node.online or fencing):
            unpacker.node(document, node, element)
    # compat(pacemaker): a container may run on a remote node (a bundle there): guests are
    # settled again once the remote nodes' histories are in, then read.
    remote.settle_online(config, nodes, unpacker.found, fencing, unpacker.resets, kinds=(NodeKind.GUEST,),
                         failed_connections=unpacker.failed_connections)
    for node, element in hosted_states:
        if config.nodes[node.name].kind is NodeKind.GUEST:
            unpacker.node(document, node, element)
    active_on = {i.node for found in unpacker.found.values() for i, _, _ in found if i is not None}
    for name, configured in config.nodes.items():
        if configured.kind is NodeKind.GUEST and nodes[name].unclean and name in active_on:
            # compat(pacemaker): pe_fence_node (resources active on the lost guest) marks its
            # container failed: recovered, not merely moved.
            unpacker.failed_containers.update((configured.via or "", i.node) for i, _, _ in
                                              unpacker.found.get(configured.via or "", ()) if i is not None)
    instances = unpacker.instances()
    _promotion_scores_by_instance(config, nodes, unpacker.history_numbered)
    _unprobed_is_known(nodes, config, options, imported.containers)

    # Nodes in the order the status lists them (the rest after, in configuration order):
    # Pacemaker's ``running_on`` follows it, and so does which node of a resource found
    # active twice counts as its current one (`placement.solve.greedy`).
    listed = [name for name in unpacker.node_order if name in nodes]
    ordered = dict.fromkeys(listed + [name for name in nodes if name not in set(listed)])
    return State(
        nodes=frozen_map({name: nodes[name].to_state() for name in ordered}),
        instances=instances,
        fail_counts=tuple(
            # compat(pacemaker): pcmk__threshold_reached ignores the migration threshold of a
            # resource whose failures are being ignored (on-fail=ignore).
            count
            for count in _fail_counts(nodes, config, imported.containers, root.get("crm_feature_set"))
            if count.resource not in unpacker.failures_ignored
            # compat(pacemaker): a fail count being cleared bans nothing (check_failure_threshold).
            and (count.resource, count.node) not in unpacker.params_changed
        ),
        failed_operations=tuple(unpacker.failed),
        quorum=quorum,
        now=now,
        dc=imported.node_ids.get(root.get("dc-uuid", ""), None),
        source=document.source,
    )


# ----------------------------------------------------------------------------- nodes


def _unprobed_is_known(nodes: dict[str, _Node], config: Config, options: dict[str, str],
                       containers: dict[str, str]) -> None:
    """Count as known on a pending node what Pacemaker would not probe there anyway
    (``pcmk__probe_rsc_on_node``): everything when start-up probes are disabled, a
    resource inside a container always (`placement.solve.probes` decides the rest)."""
    probes = is_true(options.get("enable-startup-probes", "true"))
    for node in nodes.values():
        if node.pending:
            node.probed.update(containers if probes else config.primitives)


def _find_node(element: Element, nodes: dict[str, _Node], node_ids: dict[str, str]) -> _Node | None:
    name = node_ids.get(element.get("id", ""))
    if name is None:
        name = element.get("uname")
    return nodes.get(name or "")


def _unpack_node(
    document: Document, element: Element, node: _Node, config: Config, fencing: bool, quorum: bool
) -> None:
    """Membership, transient attributes and the derived flags of one ``node_state``."""
    node.unclean = False
    _unpack_transient(document, element, node)
    expected_up = not node.shutdown and element.get("expected", "").lower() == "member"
    if fencing:
        _online_with_fencing(element, node, expected_up)
    else:
        _online_without_fencing(element, node, expected_up)
    if not quorum and node.online and config.cluster.no_quorum is NoQuorumPolicy.SUICIDE:
        node.unclean = True  # compat(pacemaker): the partition fences itself (§2)


def _unpack_transient(document: Document, element: Element, node: _Node) -> None:
    """Transient attributes and what they say: standby, maintenance, a requested shutdown."""
    transient = element.find("transient_attributes")
    if transient is not None:
        node.attributes = attributes.merged(document, transient, "instance_attributes")
    if "standby" in node.attributes:
        node.standby = is_true(node.attributes["standby"])
    if "maintenance" in node.attributes:
        node.maintenance = is_true(node.attributes["maintenance"])
    shutdown = node.attributes.get("shutdown", "")
    node.shutdown = bool(shutdown) and shutdown != "0"


def _in_cluster(element: Element) -> bool:
    """``in_ccm``: "true", or (Pacemaker 2.1.7 and later) the time it joined, 0 for never."""
    text = (element.get("in_ccm") or "").strip()
    return is_true(text) or (text.isdigit() and int(text) > 0)


def _peer_online(element: Element) -> bool:
    """``crmd``: "online", or (Pacemaker 2.1.7 and later) the time it came up, 0 for down."""
    text = (element.get("crmd") or "").strip()
    return text.lower() == "online" or (text.isdigit() and int(text) > 0)


def _online_without_fencing(element: Element, node: _Node, expected_up: bool) -> None:
    """``determine_online_status_no_fencing``."""
    in_cluster = _in_cluster(element)
    peer_online = _peer_online(element)
    join = (element.get("join") or "").lower()
    if not in_cluster:
        node.online = False
    elif peer_online:
        node.online = join == "member"
    elif expected_up:
        node.unclean = True  # "peer is unexpectedly down"


def _online_with_fencing(element: Element, node: _Node, expected_up: bool) -> None:
    """``determine_online_status_fencing``: who is up, who must be fenced."""
    in_cluster_text = element.get("in_ccm")
    in_cluster = _in_cluster(element)
    peer_online = _peer_online(element)
    join = (element.get("join") or "").lower()
    expected = (element.get("expected") or "down").lower()
    terminate_text = node.attributes.get("terminate", "")
    terminate = is_true(terminate_text) or (terminate_text[:1].isdigit() and terminate_text[:1] != "0")
    node.online = in_cluster
    if node.shutdown:
        node.online = peer_online  # a dead peer cannot be shut down cleanly
    elif in_cluster_text is None:
        node.unclean = True  # "peer has not been seen by the cluster"
    elif join == "banned":
        node.unclean = True  # "peer failed Pacemaker membership criteria"
    elif not terminate and expected == "down":
        if in_cluster or peer_online:
            node.standby = node.pending = True  # up but not ready to run resources
    elif terminate and join == "down" and not in_cluster and not peer_online:
        node.online = False  # "was just shot"
    elif not in_cluster:
        node.unclean = True  # "peer is no longer part of the cluster"
    elif not peer_online:
        node.unclean = True  # "peer process is no longer available"
    elif terminate:
        node.unclean = True  # "termination was requested"
    elif join == "member":
        pass
    elif join in ("pending", "down"):
        node.standby = node.pending = True  # not ready to run resources
    else:
        node.unclean = True  # "peer was in an unknown state"


def _promotion_scores_by_instance(config: Config, nodes: dict[str, _Node], instances: tuple[Instance, ...]) -> None:
    """Give anonymous promotable clones the ``master-<rsc>`` score their instances carry.

    Older agents set the promotion score per instance (``master-drbd0:1``). Pacemaker
    looks the score up by the name of the instance on that node and only then by the
    bare name (``pcmk_sched_promotable.c:promotion_score``); placement looks up the bare
    name, so it is added here from the instance that runs on the node, or from the
    node's only per-instance score.
    """
    hierarchy = Hierarchy(config)
    for rid in config.primitives:
        clone = hierarchy.clone_of(rid)
        if clone is None or not clone.promotable or clone.globally_unique:
            continue
        bare = f"master-{rid}"
        for name, node in nodes.items():
            if bare in node.attributes:
                continue
            per_instance = {
                attribute[len(bare) + 1 :]: value
                for attribute, value in node.attributes.items()
                if attribute.startswith(bare + ":")
            }
            running = [i.clone_instance for i in instances if i.resource == rid and i.node == name]
            chosen = next((per_instance[n] for n in running if n in per_instance), None)
            if chosen is None and len(per_instance) == 1:
                chosen = next(iter(per_instance.values()))
            if chosen is not None:
                node.attributes[bare] = chosen


def _fail_counts(
    nodes: dict[str, _Node], config: Config, containers: dict[str, str], feature_set: str | None
) -> list[FailCount]:
    """Fail counts summed per resource and node from ``fail-count-*`` attributes.

    compat(pacemaker): a container's count includes its contained resources' counts
    (``pe_fc_fillers``), so their failures can push the container off the node.
    compat(pacemaker): which attributes count depends on the CIB's ``crm_feature_set``
    (``generate_fail_regex``): from 3.0.13 on only per-operation ones
    (``fail-count-db#monitor_10000``), before it (or without one) only per-resource ones
    (``fail-count-db``).
    """
    per_operation = not version_below(feature_set, "3.0.13")
    primitives = config.primitives
    counts: dict[tuple[str, str, str | None], int] = {}
    last: dict[tuple[str, str, str | None], int] = {}
    unique = _unique_clone_children(config)
    for name in sorted(nodes):
        for attribute, value in nodes[name].attributes.items():
            match = _FAIL_ATTRIBUTE.match(attribute)
            if not match or (match.group(3) is not None) != per_operation:
                continue
            resource = _primitive_id(match.group(2), primitives)
            if resource is None:
                continue  # failures of a resource no longer configured
            # compat(pacemaker): generate_fail_regex keeps a unique clone's instance number.
            instance = _INSTANCE.match(match.group(2))
            key = (resource, name, instance.group(2) if instance and resource in unique else None)
            if match.group(1) == "fail-count":
                counts[key] = add(counts.get(key, 0), max(parse_score_or_none(value) or 0, 0))
            else:
                last[key] = max(last.get(key, 0), parse_int_prefix(value))
    for (resource, node, instance), count in sorted(counts.items(), key=_fail_key):
        container = containers.get(resource)
        if container in primitives:
            inherited = (container, node, None)
            counts[inherited] = add(counts.get(inherited, 0), count)
            last[inherited] = max(last.get(inherited, 0), last.get((resource, node, instance), 0))
    return [
        FailCount(resource, node, count, last.get((resource, node, instance)) or None, instance)
        for (resource, node, instance), count in sorted(counts.items(), key=_fail_key)
        if count > 0
    ]


def _fail_key(item: tuple[tuple[str, str, str | None], int]) -> tuple[str, str, str]:
    resource, node, instance = item[0]
    return resource, node, instance or ""


def _unique_clone_children(config: Config) -> frozenset[str]:
    """Primitives inside a globally-unique clone (their instances fail on their own)."""
    hierarchy = Hierarchy(config)
    return frozenset(
        primitive
        for item in config.resources.values()
        if isinstance(item, Clone) and item.globally_unique
        for primitive in hierarchy.primitives_in(item.id)
    )


def _primitive_id(history_id: str, primitives: dict[str, Primitive]) -> str | None:
    """The configured primitive a history id names (``rsc`` or clone instance ``rsc:N``)."""
    if history_id in primitives:
        return history_id
    match = _INSTANCE.match(history_id)
    if match and match.group(1) in primitives:
        return match.group(1)
    return None


# ----------------------------------------------------------------------------- history


class _History:
    """Turns every node's ``lrm_resource`` histories into instances and failures."""

    def __init__(
        self,
        config: Config,
        nodes: dict[str, _Node],
        fencing: bool,
        now: int | None,
        options: dict[str, str],
        quorum: bool = True,
        containers: dict[str, str] | None = None,
    ) -> None:
        self.config = config
        self.hierarchy = Hierarchy(config)
        self.nodes = nodes
        self.fencing = fencing
        self.now = now
        self.stop_orphans = is_true(options.get("stop-orphan-resources", "true"))
        self.failed_connections: set[str] = set()  # guests whose implicit connection failed
        # pe_can_fence: fencing on, a device to do it, and quorum (or permission without it).
        self.can_fence = (
            fencing
            and any(p.agent.is_fencing for p in config.primitives.values())
            and (quorum or config.cluster.no_quorum is NoQuorumPolicy.IGNORE)
        )
        self.has_device = fencing and any(p.agent.is_fencing for p in config.primitives.values())
        self.found: dict[str, list[tuple[Instance | None, str, Outcome]]] = {}  # by primitive
        self.failed: list[FailedOperation] = []
        self.policies: dict[str, Policy] = {}
        self.failures_ignored: set[str] = set()  # primitives with a failure on-fail=ignore forgave
        self.containers = containers or {}
        self.failed_containers: set[tuple[str, str]] = set()  # (primitive, node) to recover
        self.node_order: list[str] = []  # nodes in the order their histories were unpacked
        self.history_numbered: tuple[Instance, ...] = ()
        self.resets: set[str] = set()  # remote connections whose failure resets their node
        # (primitive, node) whose last failure ran with other parameters: its fail count is
        # cleared (`placement.cib.digests`).
        self.params_changed: set[tuple[str, str]] = set()
        self._definitions: Definitions | None = None

    def policy(self, rid: str | None) -> Policy:
        """How failures of primitive ``rid`` (None: an orphan) are handled."""
        key = rid or ""
        if key in self.policies:
            return self.policies[key]
        configured_default = OnFail.parse(self.config.op_defaults.get("on-fail", ""))
        if configured_default is not None:
            default = stop_default = configured_default
        elif rid in self.containers:
            # compat(pacemaker): inside a container the default is to recover the container.
            default = stop_default = OnFail.RESTART_CONTAINER
        else:
            default, stop_default = OnFail.RESTART, OnFail.FENCE if self.fencing else OnFail.BLOCK
        on_fail_of: dict[tuple[str, int], OnFail] = {}
        promotable, managed, timeout = False, not self.config.cluster.maintenance, 0
        if rid is not None:
            primitive = self.config.primitives[rid]
            for operation in primitive.operations:
                response = OnFail.parse(operation.on_fail or "")
                if response is not None:
                    on_fail_of.setdefault((operation.name, operation.interval_ms), response)
            clone = self.hierarchy.clone_of(rid)
            promotable = clone is not None and clone.promotable
            meta = self.hierarchy.effective_meta(rid)
            managed = managed and bool(meta.managed) and not meta.maintenance
            timeout = meta.failure_timeout or 0
        if not self.fencing:
            # compat(pacemaker): on-fail=fence without fencing means stop (unpack_operation).
            on_fail_of = {k: OnFail.STOP if v is OnFail.FENCE else v for k, v in on_fail_of.items()}
            default = OnFail.STOP if default is OnFail.FENCE else default
        policy = Policy(promotable, managed, on_fail_of, default, stop_default, timeout, self.now)
        self.policies[key] = policy
        return policy

    def node(self, document: Document, node: _Node, element: Element) -> None:
        self.node_order.append(node.name)
        resources = element.find("lrm/lrm_resources")
        if resources is None:
            return
        for lrm_resource in resources.findall("lrm_resource"):
            history_id = document.require(lrm_resource, "id")
            elements = lrm_resource.findall("lrm_rsc_op")
            ops = [Op.from_xml(op, i) for i, op in enumerate(elements)]
            if not ops:
                continue
            rid = _primitive_id(history_id, self.config.primitives)
            outcome = replay(ops, self.policy(rid))
            if rid is not None:
                node.probed.add(rid)
                self._check_last_failure(document, rid, node, elements, ops)
            if rid is None and self._is_guest(history_id):
                # compat(pacemaker): a guest's implicit connection is a resource there; its
                # failure while active makes the guest unclean (determine_remote_online_status).
                if outcome.role is not Role.STOPPED and outcome.failures:
                    self.failed_connections.add(history_id)
            elif rid is None:
                self.orphan(history_id, node, outcome)
            else:
                self.record(rid, history_id, node, outcome)

    def _check_last_failure(
        self, document: Document, rid: str, node: _Node, elements: list[Element], ops: list[Op]
    ) -> None:
        """compat(pacemaker): ``should_clear_for_param_change``: an unexpired last failure of
        a start or a monitor whose digest differs from today's definition clears the fail count."""
        for element, op in zip(elements, ops, strict=True):
            if op.task not in ("start", "monitor") or not element.get("id", "").endswith("_last_failure_0"):
                continue
            if self.policy(rid).expired(op):
                continue
            if self._definitions is None:
                self._definitions = Definitions(document, self.config)
            if self._definitions.changed(rid, node.name, op.task, op.interval_ms, element.get("op-digest")):
                self.params_changed.add((rid, node.name))

    def _is_guest(self, name: str) -> bool:
        node = self.config.nodes.get(name)
        return node is not None and node.kind is NodeKind.GUEST

    def orphan(self, history_id: str, node: _Node, outcome: Outcome) -> None:
        """History of a resource that is no longer configured: Pacemaker stops it."""
        if outcome.role is Role.STOPPED:
            return
        managed = not self.config.cluster.maintenance
        if managed and not node.online and not node.maintenance and self.fencing:
            node.unclean = True  # "… is thought to be active there"
        if not managed or not self.stop_orphans:
            raise Unsupported("orphan resource left running", history_id)

    def can_fence_node(self, node: _Node) -> bool:
        """``pe_can_fence``: without quorum a node still in our membership can be fenced."""
        return self.can_fence or (self.has_device and node.online)

    def record(self, rid: str, history_id: str, node: _Node, outcome: Outcome) -> None:
        policy = self.policy(rid)
        active = outcome.role is not Role.STOPPED
        on_fail = outcome.on_fail
        guest = self.config.nodes[node.name].kind is NodeKind.GUEST
        if active and not node.online and not node.maintenance and policy.managed and (self.fencing or guest):
            # compat(pacemaker): a guest is "fenced" by recovering its container, fencing or not.
            node.unclean = True  # "… is thought to be active there"
        reset = remote.needs_reset(self.config, rid, outcome, policy.on_fail_of)
        if reset:
            self.resets.add(rid)
        if node.unclean and guest and active:
            # compat(pacemaker): the guest's reset stops what ran there; it may start again.
            self.failed_containers.add((rid, node.name))
        if node.unclean:
            on_fail = OnFail.IGNORE  # the node will be fenced; that settles every failure on it
        # A failure that fences the node still marks this copy failed (process_rsc_state).
        failed, managed = active and on_fail is not OnFail.IGNORE, policy.managed
        if on_fail is OnFail.FENCE:
            node.unclean = True
        elif on_fail is OnFail.STANDBY:
            node.standby = True
        elif on_fail is OnFail.BLOCK:
            managed = False
        elif on_fail is OnFail.RESTART_CONTAINER and rid in self.containers:
            container = self.containers[rid]
            self.failed_containers.update((p, node.name) for p in self.hierarchy.primitives_in(container))
        if not self.can_fence_node(node) and any(f.hard and f.op.task == "stop" for f in outcome.failures):
            # compat(pacemaker): check_recoverable: a stop that can never succeed and a node
            # that cannot be fenced leave the resource blocked where it is.
            failed, managed = active, False
        numbered = _INSTANCE.match(history_id)
        for failure in outcome.failures:
            op = failure.op
            if failure.on_fail is OnFail.IGNORE:
                self.failures_ignored.add(rid)
            self.failed.append(
                FailedOperation(
                    resource=rid,
                    node=node.name,
                    operation=op.task,
                    interval_ms=op.interval_ms,
                    rc=op.rc,
                    reason=op.reason,
                    # compat(pacemaker): a reset connection with a reconnect interval stays
                    # stopped until its failure is cleared (next_role Stopped): banned.
                    on_fail="stop" if reset and remote.reconnect_ms(self.config, rid) else
                    _ON_FAIL_WORD[failure.on_fail],
                    clone_instance=numbered.group(2) if numbered and history_id != rid else None,
                )
            )
        instance = None
        if active:
            instance = Instance(
                resource=rid,
                node=node.name,
                role=outcome.role,
                failed=failed,
                managed=managed and not node.maintenance,
                clone_instance=numbered.group(2) if numbered and history_id != rid else None,
            )
        self.found.setdefault(rid, []).append((instance, node.name, outcome))

    def instances(self) -> tuple[Instance, ...]:
        """Every active copy, with migrations settled and Pacemaker's per-resource flags."""
        result: list[Instance] = []
        online = {name for name, node in self.nodes.items() if node.online and not node.unclean}
        for rid, found in self.found.items():
            clone = self.hierarchy.clone_of(rid)
            copies = [
                replace(instance, failed=True) if (rid, instance.node) in self.failed_containers else instance
                for instance, _, _ in found
                if instance is not None
            ]
            if clone is None:
                copies = self._settle_primitive(rid, found, copies, online)
            elif not clone.globally_unique:
                copies = _merge_anonymous(copies)
            result.extend(copies)
        blocked = self._blocked_by_multiple_active(result)
        if blocked:
            result = [replace(i, managed=False) if i.resource in blocked else i for i in result]
        # The history's own numbers still name per-instance promotion scores (promotion_score
        # looks an instance up by its history name first).
        self.history_numbered = tuple(result)
        result = self._number_anonymous(result)
        # The order the state JSON writer uses, so a state survives the round trip unchanged.
        return tuple(sorted(result, key=lambda i: (i.resource, i.node, i.clone_instance or "")))

    def _number_anonymous(self, copies: list[Instance]) -> list[Instance]:
        """compat(pacemaker): ``find_anonymous_clone`` — an anonymous clone's history names no
        instance that counts: each node, in the order the status lists them, takes the first
        instance number not yet active. Promotion breaks ties by that number (§8)."""
        numbers: dict[str, dict[str, str]] = {}  # clone → node → instance number
        active: dict[str, set[str]] = {}
        for copy in copies:
            clone = self.hierarchy.clone_of(copy.resource)
            if clone is not None and not clone.globally_unique:
                active.setdefault(clone.id, set()).add(copy.node)
        for clone_id, nodes in active.items():
            order = [n for n in self.node_order if n in nodes] + sorted(nodes - set(self.node_order))
            numbers[clone_id] = {node: str(index) for index, node in enumerate(order)}
        if not numbers:
            return copies
        renumbered = []
        for copy in copies:
            clone = self.hierarchy.clone_of(copy.resource)
            if clone is not None and clone.id in numbers:
                copy = replace(copy, clone_instance=numbers[clone.id][copy.node])
            renumbered.append(copy)
        return renumbered

    def _blocked_by_multiple_active(self, instances: list[Instance]) -> set[str]:
        """Primitives that ``multiple-active=block`` leaves alone where they run.

        compat(pacemaker): native_add_running: a managed primitive active on more than one
        node (counting only clean nodes unless it needs fencing, `pe__find_active_requires`)
        with ``block`` becomes unmanaged and blocked; when its group says ``block`` too, the
        whole group does.
        """
        nodes: dict[str, set[str]] = {}
        for instance in instances:
            counted = self._needs_fencing(instance.resource) or not self.nodes[instance.node].unclean
            if instance.managed and counted and self.hierarchy.clone_of(instance.resource) is None:
                nodes.setdefault(instance.resource, set()).add(instance.node)
        blocked: set[str] = set()
        for rid, where in nodes.items():
            if len(where) < 2 or self.hierarchy.effective_meta(rid).multiple_active != "block":
                continue
            blocked.add(rid)
            group = self.hierarchy.group_of(rid)
            if group is not None and group.meta.multiple_active == "block":
                blocked.update(group.members)
        return blocked

    def _needs_fencing(self, rid: str) -> bool:
        """``pe_rsc_needs_fencing``: ``requires`` (by default fencing when it is on, §10)."""
        requires = self.hierarchy.effective_meta(rid).requires
        if requires is None:
            requires = "quorum" if self.config.primitives[rid].agent.is_fencing or not self.fencing else "fencing"
        return requires in ("fencing", "unfencing") and self.fencing

    def _settle_primitive(
        self,
        rid: str,
        found: list[tuple[Instance | None, str, Outcome]],
        copies: list[Instance],
        online: set[str],
    ) -> list[Instance]:
        verdict = migration.settle({node: outcome for _, node, outcome in found}, online)
        copies = [c for c in copies if c.node not in verdict.inactive]
        active_on = {c.node for c in copies}
        policy = self.policy(rid)
        copies += [
            Instance(rid, node, Role.STARTED, failed=verdict.failed, managed=policy.managed)
            for node in sorted(verdict.also_active - active_on)
        ]
        # compat(pacemaker): "failed" is a flag of the resource, so every copy of a
        # primitive shows it (several copies only exist when it is multiply active).
        if verdict.failed or any(c.failed for c in copies):
            copies = [replace(c, failed=True) for c in copies]
        # compat(pacemaker): so is "managed": a block (on-fail=block, a maintenance node)
        # found on one copy clears pe_rsc_managed for the primitive, and every copy stays.
        if any(not c.managed for c in copies):
            copies = [replace(c, managed=False) for c in copies]
        return copies


def _merge_anonymous(copies: list[Instance]) -> list[Instance]:
    """One copy per node for an anonymous clone: several histories there are one instance."""
    by_node: dict[str, Instance] = {}
    for copy in copies:
        seen = by_node.get(copy.node)
        if seen is None:
            by_node[copy.node] = copy
        else:
            role = seen.role if _RANK[seen.role] >= _RANK[copy.role] else copy.role
            by_node[copy.node] = replace(seen, role=role, failed=seen.failed or copy.failed)
    return list(by_node.values())


_RANK: Final = {Role.STOPPED: 0, Role.STARTED: 1, Role.UNPROMOTED: 1, Role.PROMOTED: 2}
