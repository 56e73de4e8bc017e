"""The worker's commands: the supervisor (upscaler-worker), one worker process,
the one-process service (upscaler-standalone) and the container health check."""
