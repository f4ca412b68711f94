"""The survivability report as text: the summary, the ranked scenarios that hurt, the risk list."""

from __future__ import annotations

from placement.survival.analysis import ScenarioResult, SurvivalReport
from placement.survival.outcome import Impact
from placement.survival.patterns import NAMES

SHOWN = 20  # ranked scenarios listed unless every one is asked for


def survive_text(report: SurvivalReport, show_all: bool = False) -> str:
    lines = _summary(report)
    ranked = report.ranked
    if ranked:
        lines += ["", "Scenarios that hurt (worst first):"]
        shown = ranked if show_all else ranked[:SHOWN]
        width = max(len(r.scenario.label) for r in shown)
        for rank, result in enumerate(shown, 1):
            lines.append(f"  {rank:>3}. {result.scenario.label:<{width}}  {_verdict(result)}")
            lines += [f"         {' ' * width}  - {_impact(i)}" for i in result.outcome.impacts[:8]]
            if len(result.outcome.impacts) > 8:
                lines.append(f"         {' ' * width}  - … and {len(result.outcome.impacts) - 8} more")
        if len(shown) < len(ranked):
            lines.append(f"  … and {len(ranked) - len(shown)} more (--all lists every one)")
    if report.risks:
        lines += ["", "Risk by resource:"]
        width = max(len(r.resource) for r in report.risks)
        word = _word(report)
        for risk in report.risks if show_all else report.risks[:SHOWN]:
            priority = f" (priority {risk.priority})" if risk.priority else ""
            kinds = "/".join(risk.kinds)
            lines.append(f"  {risk.resource:<{width}}  {kinds} in {len(risk.hurt)} of {report.total} {word}s: "
                         f"{risk.pattern}{priority}")
        if not show_all and len(report.risks) > SHOWN:
            lines.append(f"  … and {len(report.risks) - SHOWN} more resources (--all lists every one)")
    return "\n".join(lines) + "\n"


def _summary(report: SurvivalReport) -> list[str]:
    unit = f"{report.domain} domain" if report.domain else "node"
    lines = [
        f"Survivability: every combination of {report.failures} {unit} failure{'s' if report.failures > 1 else ''}, "
        f"{report.total} scenarios over {len(report.domains)} {unit}s",
        f"  Fully survivable: {report.survivable} of {report.total}",
    ]
    methods = [f"{report.count('fit')} proven without search (the displaced resources fit)"]
    if report.count("local"):
        methods.append(f"{report.count('local')} by a local search")
    if report.count("plan"):
        methods.append(f"{report.count('plan')} by the full planner")
    lines.append(f"  Solved {report.solved}: " + ", ".join(methods))
    for members in report.classes:
        lines.append(f"  Symmetric: {', '.join(members)} are interchangeable (one scenario solved per class)")
    if report.solved < report.total:
        lines.append(f"  {report.total - report.solved} scenarios are renamings of solved ones (symmetry)")
    if report.unproven:
        lines.append(f"  Warning: {report.unproven} scenarios hit the time limit (answers not proven optimal)")
    return lines


def _verdict(result: ScenarioResult) -> str:
    if result.outcome.error:
        return f"no valid placement: {result.outcome.error}"
    down = result.out_of_service
    parts = [f"{len(down)} out of service" if down else "nothing stops"]
    others = len(result.outcome.impacts) - len(down)
    if others:
        parts.append(f"{others} weakened")
    top = max((i.priority for i in result.outcome.impacts), default=0)
    if top:
        parts.append(f"highest priority {top}")
    if result.same_as:
        parts.append(f"as {result.same_as}, renamed")
    return ", ".join(parts)


def _impact(impact: Impact) -> str:
    copies = f" ({impact.copies[1]} of {impact.copies[0]} copies)" if impact.copies and impact.kind != "blocked" else ""
    priority = f" [priority {impact.priority}]" if impact.priority else ""
    return f"{impact.resource} {impact.kind}{copies}{priority}: {impact.reason}"


def _word(report: SurvivalReport) -> str:
    return NAMES.get(report.failures, "scenario") if report.failures <= 3 else "scenario"
