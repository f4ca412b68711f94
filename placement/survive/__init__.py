"""N-k survivability and capacity headroom (issue 14): see `analysis.survive` and `headroom.headroom`."""

from placement.survive.analysis import Risk, ScenarioResult, SurvivalReport, survive

__all__ = ["Risk", "ScenarioResult", "SurvivalReport", "survive"]
