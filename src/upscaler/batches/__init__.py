"""Batches: many images in one request."""
