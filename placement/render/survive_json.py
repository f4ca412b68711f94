"""The survivability report as one JSON document (documented in docs/survive.md)."""

from __future__ import annotations

from typing import Any

from placement.survival.analysis import ScenarioResult, SurvivalReport
from placement.survival.outcome import Impact


def survive_document(report: SurvivalReport) -> dict[str, Any]:
    return {
        "failures": report.failures,
        "domain": report.domain,
        "domains": {d.name: list(d.nodes) for d in report.domains},
        "scenarios": report.total,
        "survivable": report.survivable,
        "solved": {"total": report.solved, "fit": report.count("fit"), "local": report.count("local"),
                   "plan": report.count("plan")},
        "symmetric_classes": [list(c) for c in report.classes],
        "unproven": report.unproven,
        "hurt": [_scenario(r) for r in report.ranked],
        "risks": [
            {"resource": r.resource, "priority": r.priority, "kinds": list(r.kinds), "scenarios": len(r.hurt),
             "pattern": r.pattern, "in": [list(s.domains) for s in r.hurt]}
            for r in report.risks
        ],
        "seconds": round(report.seconds, 3),
    }


def _scenario(result: ScenarioResult) -> dict[str, Any]:
    return {
        "failed": list(result.scenario.domains),
        "nodes": list(result.scenario.nodes),
        "out_of_service": len(result.out_of_service),
        "impacts": [_impact(i) for i in result.outcome.impacts],
        "error": result.outcome.error,
        "method": result.outcome.method,
        "proven": result.outcome.proven,
        "same_as": result.same_as,
    }


def _impact(impact: Impact) -> dict[str, Any]:
    found: dict[str, Any] = {"resource": impact.resource, "kind": impact.kind, "priority": impact.priority,
                             "reason": impact.reason}
    if impact.copies is not None:
        found["copies"] = {"baseline": impact.copies[0], "after": impact.copies[1]}
    return found
