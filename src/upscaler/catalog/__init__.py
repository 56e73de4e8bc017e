"""The model catalog: which upscaling models exist and which preset uses which."""
