"""A what-if asked from the status page: the command line's event words, planned on the cluster's state."""

from __future__ import annotations

import shlex
from typing import Any

from placement.commands.whatif import events_from_words
from placement.errors import PlacementError
from placement.model import Config
from placement.planning import plan
from placement.render.svg import to_svg
from placement.state import State

TIME_LIMIT = 10.0  # seconds of solving: the controller's machine has a cluster to run
MAX_WORDS = 400


def answer(config: Config, state: State, words: str) -> dict[str, Any]:
    """{summary, svg} of the plan after the events, or {error} saying what is wrong with the words."""
    try:
        tokens = shlex.split(words)
    except ValueError as error:
        return {"error": f"cannot read the events: {error}"}
    if not tokens:
        return {"error": "no events given (e.g. --node-down charlie)"}
    if len(tokens) > MAX_WORDS:
        return {"error": f"more than {MAX_WORDS} words"}
    try:
        result = plan(config, state, events_from_words(tokens), time_limit=TIME_LIMIT)
    except PlacementError as error:
        return {"error": str(error)}
    return {"summary": result.summary(), "svg": to_svg(result.transition, title=f"if {words}")}
