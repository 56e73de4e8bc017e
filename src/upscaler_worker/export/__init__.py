"""The model pipeline: official Real-ESRGAN checkpoints → verified ONNX files.

PyTorch is needed here only (the ``export`` extra); the worker's inference
engine runs the exported files with ONNX Runtime alone.
"""
