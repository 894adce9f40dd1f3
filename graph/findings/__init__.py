"""Findings: entry point → crown jewel attack paths, ranked, with the step to fix (see README.md here)."""
