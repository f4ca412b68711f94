"""``placement plan``: the what-if command without events (defined beside it)."""

from placement.commands.whatif import plan_command as command

__all__ = ["command"]
