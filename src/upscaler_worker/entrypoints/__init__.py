"""The worker's commands: the supervisor (upscaler-worker), one worker process,
the one-process service (upscaler-standalone) and the container health check."""

from upscaler_worker.arenas import use_one_arena

# Before the commands' imports start any thread (see arenas.py).
use_one_arena()
