"""Options shared by several commands: one name, one meaning, one help text each.

Conventions of every command: ``-o/--output`` for what a command writes (a table, or
the output folder of a study), ``--plot`` for its figure, ``--json`` for a result
printed as JSON, long option names in words with the unit as suffix
(``--capacity-mAh``, ``--min-rest-s``, ``--cutoff-V``), and the unit of a number in its
help text in parentheses, ``(mAh)`` -- never in square brackets, which rich reads as
markup and drops.
"""

from __future__ import annotations

import typer


def output_option(what: str) -> typer.models.OptionInfo:
    """``-o/--output``: ``what`` the command writes there."""
    return typer.Option(None, "-o", "--output", help=what)


def plot_option(what: str = "Write the figure (.png, .pdf or .svg).") -> typer.models.OptionInfo:
    """``--plot``: the figure of the result."""
    return typer.Option(None, "--plot", help=what)


JSON = typer.Option(False, "--json", help="Print the result as JSON.")
QUIET = typer.Option(
    False, "--quiet", "-q", help="No progress lines (they go to stderr; results still print)."
)

# --- pulses (gitt, decompose, dcir, hppc) ----------------------------------------------
CAPACITY_MAH = typer.Option(
    None,
    "--capacity-mAh",
    help="Reference capacity of the SOC scale (mAh); with --soc-reference nominal: the "
    "nominal capacity.",
)
SOC_REFERENCE = typer.Option(
    None,
    "--soc-reference",
    help="SOC scale: discharge | charge | nominal | a capacity ('2.355mAh'). Default: the "
    "GITT's own charge (0 % at the end of the last pulse of a discharge GITT; the full "
    "charge before the pulses where they stopped short of the cut-off).",
)
MIN_REST_S = typer.Option(
    None,
    "--min-rest-s",
    help="Shortest rest that defines an OCV (s); default 2 x the pulse length.",
)
CUTOFF_V = typer.Option(
    None, "--cutoff-V", help="Cut-off voltage of the protocol (V); flags pulses reaching it."
)
AT_S = typer.Option(
    None,
    "--at-s",
    help="Times after the current step to read R at (s); repeat, or give a list "
    "'0.001,0.1,10'. Default: 1 ms, 10 ms, 0.1 s, 1 s, 10 s.",
)

# --- spectra ----------------------------------------------------------------------------
SWEEP = typer.Option(0, "--sweep", help="Which sweep of a multi-sweep file (0 = first).")
R_SEP = typer.Option(None, "--r-sep", help="Separator resistance (Ohm) for --symmetric.")
F_MIN = typer.Option(None, "--f-min", help="Ignore points below this frequency (Hz).")
F_MAX = typer.Option(None, "--f-max", help="Ignore points above this frequency (Hz).")

# --- studies ----------------------------------------------------------------------------
BOOT = typer.Option(300, "--boot", help="Bootstrap replicas of the crossover intervals.")
