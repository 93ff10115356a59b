"""One BLAS thread for the project's linear algebra.

The analyses solve many small problems (a few hundred rows, tens of columns: a pulse's
DRT, a pulse's circuit fit, a spectrum's fit). On matrices that small, BLAS threads do
not share out work, they wait on each other -- and on a machine that is busy with
anything else they wait for cores: a 300 x 60 QR then takes 25 ms instead of 0.8 ms.
:func:`one_blas_thread` runs a function with the BLAS libraries loaded in the process
limited to one thread (restored afterwards; nested calls are cheap).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread"]

F = TypeVar("F", bound=Callable[..., Any])

_controller: ThreadpoolController | None = None


def one_blas_thread(func: F) -> F:
    """Decorator: ``func`` runs with BLAS limited to one thread."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _controller
        if _controller is None:  # inspecting the loaded libraries takes a few ms: once
            _controller = ThreadpoolController()
        with _controller.limit(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
