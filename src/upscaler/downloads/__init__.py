"""Signed downloads of originals, results and previews."""
