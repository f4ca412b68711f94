"""The option words of each statement: canonical name, aliases, model field, value kind.

Both the builder (text → model) and the formatter (model → text) read these tables,
so a name is spelled in one place. Aliases are Pacemaker's own names, so crmsh and
pcs users can write what they know; the formatter always prints the canonical name.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from placement.lang.values import format_duration_ms, parse_bool, parse_duration_ms, parse_int
from placement.model import Action, Discovery, FencingAction, NoQuorumPolicy, Role, Strategy
from placement.score import format_score, parse_score


@dataclass(frozen=True, slots=True)
class Kind:
    """How an option's value is parsed and printed."""

    describe: str
    parse: Callable[[str], object]
    format: Callable[[object], str]


def _enum_kind(cls: type[enum.Enum], aliases: dict[str, str] | None = None) -> Kind:
    words = " | ".join(member.value for member in cls)

    def parse(text: str) -> object:
        word = text.strip().lower()
        word = (aliases or {}).get(word, word)
        try:
            return cls(word)
        except ValueError:
            raise ValueError(f"expected one of {words}, got {text!r}") from None

    return Kind(words, parse, lambda value: value.value)  # type: ignore[attr-defined]


def _score(text: str) -> int:
    try:
        return parse_score(text)
    except ValueError:
        raise ValueError(f"expected a score (a whole number, inf or -inf), got {text!r}") from None


def _nonnegative(text: str) -> int:
    value = parse_int(text)
    if value < 0:
        raise ValueError(f"expected a number ≥ 0, got {text!r}")
    return value


def _word(choices: tuple[str, ...]) -> Kind:
    def parse(text: str) -> object:
        if text not in choices:
            raise ValueError(f"expected one of {' | '.join(choices)}, got {text!r}")
        return text

    return Kind(" | ".join(choices), parse, str)


BOOL: Final = Kind("true | false", parse_bool, lambda v: "true" if v else "false")
INT: Final = Kind("a whole number", parse_int, str)
COUNT: Final = Kind("a whole number ≥ 0", _nonnegative, str)
SCORE: Final = Kind("a score", _score, format_score)  # type: ignore[arg-type]
SECONDS: Final = Kind("a duration", lambda t: parse_duration_ms(t) // 1000,
                      lambda v: format_duration_ms(v * 1000))  # type: ignore[operator]
TEXT: Final = Kind("text", str, str)
ROLE: Final = _enum_kind(Role, {"master": "promoted", "slave": "unpromoted"})


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One ``key=value`` option: its canonical key, the model field it sets, its kind."""

    key: str
    field: str
    kind: Kind
    aliases: tuple[str, ...] = ()
    flag: bool = False  # may be written as a bare word meaning true


def table(*specs: OptionSpec) -> dict[str, OptionSpec]:
    """Index specs by canonical key and every alias."""
    index: dict[str, OptionSpec] = {}
    for spec in specs:
        for key in (spec.key, *spec.aliases):
            index[key] = spec
    return index


CLUSTER_OPTIONS: Final = table(
    OptionSpec("name", "name", TEXT, ("cluster-name",)),
    OptionSpec("stickiness", "stickiness", SCORE, ("resource-stickiness", "default-resource-stickiness")),
    OptionSpec("symmetric", "symmetric", BOOL, ("symmetric-cluster",)),
    OptionSpec("fencing", "fencing", BOOL, ("stonith-enabled",)),
    OptionSpec("fencing-action", "fencing_action", _enum_kind(FencingAction, {"poweroff": "off"}),
               ("stonith-action",)),
    OptionSpec("strategy", "strategy", _enum_kind(Strategy), ("placement-strategy",)),
    OptionSpec("no-quorum", "no_quorum", _enum_kind(NoQuorumPolicy), ("no-quorum-policy",)),
    OptionSpec("maintenance", "maintenance", BOOL, ("maintenance-mode",), flag=True),
    OptionSpec("stop-all", "stop_all", BOOL, ("stop-all-resources",), flag=True),
    OptionSpec("start-failure-is-fatal", "start_failure_is_fatal", BOOL),
    OptionSpec("concurrent-fencing", "concurrent_fencing", BOOL, flag=True),
)

META_OPTIONS: Final = table(
    OptionSpec("priority", "priority", INT),
    OptionSpec("stickiness", "stickiness", SCORE, ("resource-stickiness",)),
    OptionSpec("target-role", "target_role", ROLE),
    OptionSpec("is-managed", "managed", BOOL, ("managed",)),
    OptionSpec("maintenance", "maintenance", BOOL),
    OptionSpec("migration-threshold", "migration_threshold", SCORE),
    OptionSpec("failure-timeout", "failure_timeout", SECONDS),
    OptionSpec("allow-migrate", "allow_migrate", BOOL),
    OptionSpec("requires", "requires", _word(("nothing", "quorum", "fencing", "unfencing"))),
    OptionSpec("critical", "critical", BOOL),
    OptionSpec("multiple-active", "multiple_active",
               _word(("stop_start", "stop_only", "block", "stop_unexpected"))),
)

CLONE_OPTIONS: Final = table(
    OptionSpec("max", "max", COUNT, ("clone-max",)),
    OptionSpec("per-node", "per_node", COUNT, ("clone-node-max",)),
    OptionSpec("min", "min", COUNT, ("clone-min",)),
    OptionSpec("interleave", "interleave", BOOL, flag=True),
    OptionSpec("ordered", "ordered", BOOL, flag=True),
    OptionSpec("unique", "globally_unique", BOOL, ("globally-unique",), flag=True),
    OptionSpec("notify", "notify", BOOL, flag=True),
)

PROMOTABLE_OPTIONS: Final = {
    **CLONE_OPTIONS,
    **table(
        OptionSpec("promoted-max", "promoted_max", COUNT, ("master-max",)),
        OptionSpec("promoted-per-node", "promoted_per_node", COUNT,
                   ("promoted-node-max", "master-node-max")),
    ),
}

OPERATION_OPTIONS: Final = table(
    OptionSpec("role", "role", ROLE),
    OptionSpec("on-fail", "on_fail",
               _word(("ignore", "block", "stop", "restart", "standby", "fence", "demote",
                      "restart-container"))),
)
# Operation attributes kept as they are (they do not change planning).
OPERATION_PASSTHROUGH: Final = frozenset(
    {"enabled", "start-delay", "interval-origin", "record-pending", "requires", "description", "id"}
)

LOCATION_OPTIONS: Final = table(
    OptionSpec("discovery", "discovery", _enum_kind(Discovery), ("resource-discovery",)),
)
COLOCATION_OPTIONS: Final = table(OptionSpec("influence", "influence", BOOL))
ORDER_OPTIONS: Final = table(OptionSpec("symmetrical", "symmetrical", BOOL))
SET_OPTIONS: Final = table(
    OptionSpec("sequential", "sequential", BOOL),
    OptionSpec("require-all", "require_all", BOOL),
    OptionSpec("role", "role", ROLE),
    OptionSpec("action", "action", _enum_kind(Action)),
    OptionSpec("id", "id", TEXT),
)

NODE_FLAGS: Final = table(
    OptionSpec("standby", "standby", BOOL, flag=True),
    OptionSpec("maintenance", "maintenance", BOOL, flag=True),
)

# Words the grammar reserves: a name spelled like one must be quoted.
KEYWORDS: Final = frozenset(
    {
        "cluster", "defaults", "op-defaults", "node", "score", "capacity", "resource", "fence",
        "for", "meta", "uses", "every", "timeout", "fence-level", "group", "of", "clone",
        "promotable", "stickiness", "location", "pattern", "prefers", "avoids",
        "score-attribute", "or", "and", "defined", "not", "not_defined", "as", "string",
        "integer", "number", "version", "colocation", "with", "apart", "from", "set", "on",
        "order", "then", "promoted", "unpromoted", "started", "stopped", "start", "stop",
        "promote", "demote", "mandatory", "optional", "serialize", "inf", "bundle",
    }
)
