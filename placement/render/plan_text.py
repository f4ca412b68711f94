"""The what-if report as text: status now, events, transition summary, waves, status after."""

from __future__ import annotations

import click

from placement.planning import Plan
from placement.render.status import status_lines
from placement.state import State


def describe_event(event: object) -> str:
    """``node-down charlie``, ``fail xray@bob:monitor``, …"""
    name = type(event).__name__
    fields = [str(getattr(event, f)) for f in event.__dataclass_fields__]  # type: ignore[attr-defined]
    words = {"NodeDown": "node-down", "NodeLeave": "node-leave", "NodeUp": "node-up", "Standby": "standby",
             "Online": "online", "Fail": "fail", "SetAttribute": "set-attr", "Ban": "ban", "Clear": "clear",
             "StopResource": "stop", "StartResource": "start"}
    if name == "Fail":
        return f"fail {fields[0]}@{fields[1]}:{fields[2]}"
    if name == "Ban":
        return f"ban {fields[0]}@{fields[1]}"
    if name == "SetAttribute":
        return f"set-attr {fields[0]} {fields[1]}={fields[2]}"
    return f"{words.get(name, name)} {' '.join(fields)}"


def plan_text(plan: Plan, before: State, after: State) -> str:
    """The full report; colour is added by click only when writing to a terminal."""
    heading = lambda text: click.style(text, bold=True)  # noqa: E731
    lines = [heading("Current cluster status:"), *status_lines(plan.config, before), ""]
    if plan.events:
        lines += [heading("Events:"), *[f"  * {describe_event(e)}" for e in plan.events], ""]
    lines.append(heading("Transition Summary:"))
    summary = plan.details.summary
    if not summary:
        lines.append("  (nothing to do)")
    for item in summary:
        colour = "red" if item.op == "fence" or item.blocked else "yellow" if item.op in ("stop", "recover") \
            else None
        lines.append("  * " + (click.style(item.text, fg=colour) if colour else item.text))
    stopped = plan.placement.stopped
    if stopped:
        lines += ["", heading("Cannot run:")]
        lines += [f"  * {s.resource}: {s.reason}" for s in stopped]
    if plan.details.unfenceable:
        lines += ["", click.style(f"Cannot fence: {', '.join(plan.details.unfenceable)} — what ran there stays "
                                  "blocked until the node is fenced or comes back", fg="red")]
    waves = plan.waves
    if waves:
        lines += ["", heading(f"Waves ({len(waves)}; actions in a wave run in parallel):")]
        lines += [f"  {i}. " + ", ".join(str(a) for a in wave) for i, wave in enumerate(waves, 1)]
        lines.append("  critical path: " + " → ".join(str(a) for a in plan.details.critical_path))
    if plan.placement.stats is not None and not plan.placement.optimal:
        gap = plan.placement.stats.gap
        lines += ["", click.style("note: the time limit was hit; this placement is not proven optimal"
                                  + (f" (gap {gap:.1%})" if gap is not None else ""), fg="yellow")]
    lines += ["", heading("Revised Cluster Status:"), *status_lines(plan.config, after)]
    return "\n".join(lines) + "\n"
