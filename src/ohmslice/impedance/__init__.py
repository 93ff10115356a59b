"""Impedance engine: equivalent circuits, fitting with uncertainty, KK check, DRT."""
