"""No exception escapes a slot: it is logged and reported in one line, and the app goes on."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def guarded(fn: Callable, report: Callable[[str, int], None]) -> Callable:
    """``fn`` as a slot that reports instead of raising.

    Qt passes a signal's arguments to a slot that accepts them (``clicked`` passes
    ``checked``); the wrapper passes on only as many as ``fn`` takes.  That count is
    looked up at the first call, not when the slot is made: reading a Qt method's
    signature loads shiboken's signature module, a cost the start-up need not pay.
    """
    takes: list[int | None] = []  # filled at the first call

    def slot(*args):
        if not takes:
            takes.append(_positional_count(fn))
        n = takes[0]
        try:
            return fn(*(args if n is None else args[:n]))
        except Exception as exc:  # never a traceback in the user's face
            log.exception("%s failed", getattr(fn, "__qualname__", fn))
            report(f"{type(exc).__name__}: {exc}", 15000)
            return None

    # (not functools.wraps: a Qt method's __doc__ is generated from its signature)
    for name in ("__module__", "__name__", "__qualname__"):
        try:
            setattr(slot, name, getattr(fn, name))
        except AttributeError:
            pass
    slot.__wrapped__ = fn
    return slot


def _positional_count(fn: Callable) -> int | None:
    """How many positional arguments ``fn`` takes (None: any number, or unknown)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a built-in without a signature: pass all
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
