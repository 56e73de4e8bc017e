"""ImageUpscalerPro workers: Dramatiq actors, the model pipeline and the inference engine."""
