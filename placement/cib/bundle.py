"""``<bundle>`` → a `Bundle` and its expansion (`placement.bundle.expand`).

compat(pacemaker): ``pe__unpack_bundle``: the launcher element (``<docker>``, ``<podman>``,
``<rkt>``) gives image, replicas (default promoted-max, else 1), replicas-per-host (default
1) and promoted-max; ``<network>`` the ip-range-start and control-port; ``<storage>`` only
mounts (nothing to plan with); an inner ``<primitive>`` without an IP range or a control
port is refused ("Cannot control … without either ip-range-start or control-port").
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree.ElementTree import Element

from placement.bundle import LAUNCHERS
from placement.cib import attributes
from placement.cib.values import parse_int_prefix
from placement.cib.xml import Document
from placement.model import Bundle, Meta, Primitive, frozen_map


def unpack(
    document: Document,
    element: Element,
    meta: Callable[[dict[str, str]], Meta],
    primitive: Callable[[Element], Primitive],
) -> tuple[Bundle, Primitive | None]:
    """The bundle ``element`` describes and its inner primitive (unpacked by ``primitive``)."""
    bid = document.require(element, "id")
    launchers = [child for child in element if child.tag in LAUNCHERS]
    if len(launchers) != 1:
        raise document.error(element, f"bundle {bid!r} needs exactly one of <docker>, <podman> or <rkt>")
    launcher = launchers[0]

    def count(name: str, default: int) -> int:
        text = launcher.get(name)
        if text is None:
            return default
        value = parse_int_prefix(text)
        return max(value, 1 if name != "promoted-max" else 0)  # pcmk__scan_min_int

    promoted_max = count("promoted-max", 0) if launcher.get("promoted-max") is not None else count("masters", 0)
    replicas = count("replicas", promoted_max or 1) if launcher.get("replicas") is not None else (promoted_max or 1)
    network = element.find("network")
    ip_start = network.get("ip-range-start") if network is not None else None
    control_port = network.get("control-port") if network is not None else None
    per_host = count("replicas-per-host", 1)
    if control_port is not None and ip_start is None and per_host > 1:
        per_host = 1  # compat(pacemaker): valid_network — a control port alone forces 1 per host
    inner = element.find("primitive")
    child = primitive(inner) if inner is not None else None
    inner_meta = attributes.merged(document, inner, "meta_attributes") if inner is not None else {}
    target = inner_meta.get("container-attribute-target")
    options = {k: v for k, v in launcher.attrib.items() if k in ("network", "run-command", "options")}
    bundle = Bundle(
        id=bid,
        launcher=launcher.tag,
        image=launcher.get("image"),
        replicas=replicas,
        per_host=per_host,
        promoted_max=promoted_max,
        ip_range_start=ip_start,
        control_port=control_port,
        child=child.id if child is not None else None,
        attribute_target=target.strip().lower() if target else None,
        options=frozen_map(options),
        meta=meta(attributes.merged(document, element, "meta_attributes")),
        span=document.span(element),
    )
    if child is not None and ip_start is None and control_port is None:
        raise document.error(
            inner, f"bundle {bid!r}: cannot control {child.id!r} without either ip-range-start or control-port"
        )
    return bundle, child
