"""Presentation only: turn plans and states into text, JSON and DOT. Nothing here computes."""
