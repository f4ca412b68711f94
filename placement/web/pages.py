"""Jinja rendering of the status page: the whole page, the live cluster part, a what-if answer."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Any

import jinja2

STATIC_FILES = ("page.css", "page.js")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("placement.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,  # a template asking for missing data is a bug, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = clock
    return env


def clock(timestamp: float | None) -> str:
    """``18:04:05`` (UTC) for a journal time; a dash when the source has none."""
    if timestamp is None:
        return "–"
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%H:%M:%S")


def static_text(name: str) -> str:
    return resources.files("placement.web").joinpath("static", name).read_text(encoding="utf-8")


def cluster_html(view: dict[str, Any]) -> str:
    """The part of the page that changes as the cluster does (sent again on every update)."""
    return environment().get_template("cluster.html").render(view=view)


def live_page(view: dict[str, Any], authenticated: bool) -> str:
    """The page served by the controller: assets linked from /static, updates by server-sent events."""
    return environment().get_template("page.html").render(
        view=view, live=True, authenticated=authenticated, inline_css=None)


def snapshot_page(view: dict[str, Any]) -> str:
    """One self-contained HTML file (CSS inlined, no script): `placement status --web FILE`."""
    return environment().get_template("page.html").render(
        view=view, live=False, authenticated=False, inline_css=static_text("page.css"))


def whatif_html(words: str, answer: dict[str, Any]) -> str:
    return environment().get_template("whatif.html").render(words=words, answer=answer)
