"""Figures and reports. Reads results only; never touches raw files or the analyses ' internals."""
