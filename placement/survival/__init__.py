"""N-k survivability and capacity headroom (issue 14).

`analysis.survive` answers "which K simultaneous failures hurt, and what?";
`headroom.headroom` answers "how many more copies of this resource fit so that none does?".
Both are exported as `placement.survive` and `placement.headroom` (docs/survive.md).
"""

from placement.survival.analysis import Risk, ScenarioResult, SurvivalReport, survive
from placement.survival.headroom import Headroom, Probe, headroom

__all__ = ["Headroom", "Probe", "Risk", "ScenarioResult", "SurvivalReport", "headroom", "survive"]
