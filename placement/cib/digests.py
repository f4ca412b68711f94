"""Operation digests: has a resource's definition changed since an operation ran?

Every ``lrm_rsc_op`` records ``op-digest``, the md5 of the parameters the operation ran
with. Pacemaker computes the same digest from today's configuration and compares
(``rsc_action_digest_cmp``). The scheduler acts on a difference in one place that
changes a plan: when the *last failure* of a start or a monitor ran with other
parameters than today's, the failure is about a definition that no longer exists, so
its fail count is cleared (``should_clear_for_param_change`` schedules
``clear_failcount``) and the migration threshold no longer bans the node
(``check_failure_threshold`` skips a resource whose count is being cleared).

The digest is ``calculate_operation_digest``: the resource's parameters as the node
sees them (``pe_rsc_params``), the operation's own instance attributes, for a recurring
operation its timeout as ``CRM_meta_timeout``, sorted by name and dumped as one
``<parameters …/>`` element. A value that XML would have to escape makes the digest
unknown here (never a false "changed"), as a history entry without a digest is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from placement.cib import attributes
from placement.cib.values import parse_duration_ms
from placement.cib.xml import Document
from placement.model import Config, Operation

DEFAULT_TIMEOUT_MS = 20_000  # CRM_DEFAULT_OP_TIMEOUT_S
# Attributes `pcmk__filter_op_for_digest` drops besides every CRM_meta_* one.
_FILTERED = frozenset({"id", "crm_feature_set", "op-digest", "on_node", "on_node_uuid", "pcmk_external_ip"})
_NEEDS_ESCAPING = frozenset('&<>"\n\r\t')


def operation_digest(params: Mapping[str, str], interval_ms: int, timeout_ms: int) -> str | None:
    """The ``op-digest`` Pacemaker records for an operation run with ``params``, or None
    when a value would need XML escaping (left unknown rather than guessed).

    >>> operation_digest({}, 0, 20000)
    'f2317cad3d54cec5d7d7aa7d0bf35cf8'
    >>> operation_digest({}, 10000, 20000)
    '4811cef7f7f94e3a35a70be7916cb2fd'
    """
    values = {name: value for name, value in params.items()
              if name not in _FILTERED and not name.startswith("CRM_meta_")}
    if interval_ms:
        values["CRM_meta_timeout"] = str(timeout_ms)  # kept for recurring operations only
    if any(not _NEEDS_ESCAPING.isdisjoint(text) for item in values.items() for text in item):
        return None
    text = "".join(f' {name}="{value}"' for name, value in sorted(values.items()))
    return hashlib.md5(f" <parameters{text}/>\n".encode()).hexdigest()


class Definitions:
    """Today's digests of the configured operations, per resource and node (cached)."""

    def __init__(self, document: Document, config: Config) -> None:
        self.document = document
        self.config = config
        self._params: dict[tuple[str, str], Mapping[str, str]] = {}

    def changed(self, rid: str, node: str, task: str, interval_ms: int, recorded: str | None) -> bool:
        """Whether an operation recorded with digest ``recorded`` ran with other parameters
        than ``rid`` has on ``node`` today (False when either digest is unknown)."""
        primitive = self.config.primitives.get(rid)
        if not recorded or primitive is None or rid not in self.document.by_id:
            return False
        operation = _configured(primitive.operations, task, interval_ms)
        params = dict(self._resource_params(rid, node))
        if operation is not None:
            params.update(operation.params)  # the op's instance attributes (action->extra)
        digest = operation_digest(params, interval_ms, self._timeout_ms(operation))
        return digest is not None and digest != recorded

    def _resource_params(self, rid: str, node: str) -> Mapping[str, str]:
        key = (rid, node)
        if key not in self._params:
            self._params[key] = attributes.resource_values(self.document, rid).params(node)
        return self._params[key]

    def _timeout_ms(self, operation: Operation | None) -> int:
        if operation is not None and operation.timeout_ms is not None:
            return operation.timeout_ms
        default = parse_duration_ms(self.config.op_defaults.get("timeout", ""))
        return default if default is not None else DEFAULT_TIMEOUT_MS


def _configured(operations: tuple[Operation, ...], task: str, interval_ms: int) -> Operation | None:
    """The configured operation an action of ``task`` every ``interval_ms`` uses (``find_rsc_op_entry``)."""
    for operation in operations:
        if operation.name == task and operation.interval_ms == interval_ms:
            return operation
    return None
