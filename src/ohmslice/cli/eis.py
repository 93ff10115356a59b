"""``ohmslice eis ...``: impedance commands (circuit fit here; DRT and KK in ``eis_drt``).

:data:`eis_app` is the typer sub-app every impedance command registers on; it is added
to the root application as ``ohmslice eis``.
"""

from __future__ import annotations

import typer

from ._app import app

eis_app = typer.Typer(
    name="eis",
    help="Impedance spectra: equivalent-circuit fit, DRT, Kramers-Kronig check.",
    no_args_is_help=True,
)
app.add_typer(eis_app, name="eis")
