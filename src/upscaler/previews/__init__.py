"""Model previews: a crop of the person's image upscaled by every installed
model, side by side, before the full job is chosen."""
