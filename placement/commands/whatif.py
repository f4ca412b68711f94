"""``placement whatif`` and ``placement plan``: what the cluster does next, and why."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from placement import events as ev
from placement.commands.inputs import input_options, load_inputs
from placement.errors import InvalidInput
from placement.planning import Plan, plan
from placement.render.dot import to_dot
from placement.render.plan_json import plan_document
from placement.render.plan_text import plan_text
from placement.render.svg import to_svg
from placement.state import State
from placement.state_json import dumps_state

# Event options in the order the help lists them: option name → how to build the event.
EVENT_OPTIONS = {
    "node_down": ("--node-down", "NODE", "The node is lost uncleanly (it must be fenced).",
                  lambda v: ev.NodeDown(v)),
    "node_leave": ("--node-leave", "NODE", "The node shuts down cleanly.", lambda v: ev.NodeLeave(v)),
    "node_up": ("--node-up", "NODE", "The node (re)joins, running nothing.", lambda v: ev.NodeUp(v)),
    "standby": ("--standby", "NODE", "Put the node in standby.", lambda v: ev.Standby(v)),
    "online": ("--online", "NODE", "Take the node out of standby.", lambda v: ev.Online(v)),
    "fail": ("--fail", "RSC@NODE[:OP]", "An operation fails (monitor by default; start, stop).",
             lambda v: ev.Fail(*ev.parse_resource_at_node(v, with_operation=True))),
    "set_attr": ("--set-attr", "NODE NAME=VALUE", "Set a node attribute.", None),
    "ban": ("--ban", "RSC@NODE", "Keep the resource off the node.",
            lambda v: ev.Ban(*ev.parse_resource_at_node(v)[:2])),
    "clear": ("--clear", "RSC", "Remove the resource's bans.", lambda v: ev.Clear(v)),
    "stop": ("--stop", "RSC", "Set target-role=stopped.", lambda v: ev.StopResource(v)),
    "start": ("--start", "RSC", "Set target-role=started.", lambda v: ev.StartResource(v)),
}


def _set_attribute(value: tuple[str, str]) -> ev.SetAttribute:
    node, assignment = value
    name, equals, text = assignment.partition("=")
    if not equals or not name:
        raise InvalidInput(f"--set-attr {node} {assignment}: expected NAME=VALUE")
    return ev.SetAttribute(node, name, text)


def build_event(name: str, value: object) -> ev.Event:
    """The event of one option (``name`` a key of `EVENT_OPTIONS`) given its value."""
    build = EVENT_OPTIONS[name][3]
    return _set_attribute(value) if build is None else build(value)  # type: ignore[arg-type]


def events_from_words(words: Sequence[str]) -> list[ev.Event]:
    """Events written as on the command line (``--node-down charlie --fail xray@alice``), in order.

    >>> [type(e).__name__ for e in events_from_words(["--node-down", "charlie", "--standby", "bob"])]
    ['NodeDown', 'Standby']
    """
    by_flag = {flag: name for name, (flag, *_) in EVENT_OPTIONS.items()}
    events, position = [], 0
    while position < len(words):
        flag = words[position]
        name = by_flag.get(flag)
        if name is None:
            raise InvalidInput(f"{flag!r} is not an event; events are {', '.join(by_flag)}")
        count = 2 if name == "set_attr" else 1
        values = words[position + 1:position + 1 + count]
        if len(values) < count:
            raise InvalidInput(f"{flag} needs {EVENT_OPTIONS[name][1]}")
        events.append(build_event(name, tuple(values) if count == 2 else values[0]))
        position += 1 + count
    return events


class EventCommand(click.Command):
    """A command that remembers the order of its event options across option kinds.

    Click gathers repeated options per option; events must apply in the order written
    (``--node-down a --node-up a`` differs from the reverse), so the order is read here.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        parser = self.make_parser(ctx)
        values, _, order = parser.parse_args(args=list(args))
        pending = {name: list(values.get(name) or ()) for name in EVENT_OPTIONS}
        ordered = []
        for param in order:
            if pending.get(param.name):
                ordered.append((param.name, pending[param.name].pop(0)))
        ctx.meta["ordered_events"] = ordered
        return super().parse_args(ctx, args)


def _event_options(function):  # type: ignore[no-untyped-def]
    for name, (flag, metavar, help_text, _) in reversed(EVENT_OPTIONS.items()):
        nargs = 2 if name == "set_attr" else 1
        function = click.option(flag, name, multiple=True, metavar=metavar, nargs=nargs, help=help_text)(function)
    return function


def _output_options(function):  # type: ignore[no-untyped-def]
    function = click.option("--time-limit", type=float, default=60.0, show_default=True,
                            help="Seconds the solver may search before answering with its best.")(function)
    function = click.option("--state-out", type=click.Path(path_type=Path),
                            help="Write the state after the transition as JSON (chain what-ifs).")(function)
    function = click.option("--svg", type=click.Path(path_type=Path),
                            help="Draw the transition graph as SVG: one column per wave, fencing first.")(function)
    function = click.option("--dot", type=click.Path(path_type=Path),
                            help="Write the transition graph as Graphviz DOT.")(function)
    return click.option("--json", "as_json", is_flag=True, help="One machine-readable JSON document.")(function)


def _report(result: Plan, before: State, as_json: bool, dot: Path | None, svg: Path | None,
            state_out: Path | None) -> None:
    """Print the plan; ``before`` is the state before the events (what is true now)."""
    after = result.apply()
    if dot is not None:
        dot.write_text(to_dot(result.transition), encoding="utf-8")
    if svg is not None:
        svg.write_text(to_svg(result.transition), encoding="utf-8")
    if state_out is not None:
        state_out.write_text(dumps_state(after), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(plan_document(result, after), indent=2))
    else:
        click.echo(plan_text(result, before, after), nl=False)


@click.command("whatif", cls=EventCommand)
@input_options
@_event_options
@_output_options
@click.pass_context
def command(ctx: click.Context, file: Path | None, state_path: Path | None, cib: Path | None, as_json: bool,
            dot: Path | None, svg: Path | None, state_out: Path | None, time_limit: float, **_: object) -> None:
    """Show what the cluster does if EVENTS happen now.

    "Now" is --state (JSON), --cib (Pacemaker XML), or by default the steady state: every
    node online and every resource where the solver places it. Events apply in the order
    given, e.g. `placement whatif examples/kvm.place --node-down charlie`.
    """
    config, state = load_inputs(file, state_path, cib)
    events = [build_event(name, value) for name, value in ctx.meta.get("ordered_events", [])]
    result = plan(config, state, events, time_limit=time_limit)
    _report(result, state, as_json, dot, svg, state_out)


@click.command("plan")
@input_options
@_output_options
def plan_command(file: Path | None, state_path: Path | None, cib: Path | None, as_json: bool, dot: Path | None,
                 svg: Path | None, state_out: Path | None, time_limit: float) -> None:
    """Plan from the current state, with no events: what the cluster should do now."""
    config, state = load_inputs(file, state_path, cib)
    _report(plan(config, state, time_limit=time_limit), state, as_json, dot, svg, state_out)
