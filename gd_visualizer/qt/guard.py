"""No exception escapes a slot: it is logged and reported in one line, and the app goes on."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def guarded(fn: Callable, report: Callable[[str, int], None]) -> Callable:
    """``fn`` as a slot that reports instead of raising.

    Qt passes a signal's arguments to a slot that accepts them (``clicked`` passes
    ``checked``); the wrapper passes on only as many as ``fn`` takes.
    """
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a built-in without a signature: pass all
        takes = None
    else:
        if any(p.kind is p.VAR_POSITIONAL for p in params):
            takes = None
        else:
            takes = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)

    @functools.wraps(fn)
    def slot(*args):
        try:
            return fn(*(args if takes is None else args[:takes]))
        except Exception as exc:  # never a traceback in the user's face
            log.exception("%s failed", getattr(fn, "__qualname__", fn))
            report(f"{type(exc).__name__}: {exc}", 15000)
            return None

    return slot
