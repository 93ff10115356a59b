"""Figures and reports: they read results only, never raw files."""
