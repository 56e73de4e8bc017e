"""How a job can end early, as the pipeline sees it."""


class PermanentJobError(Exception):
    """A job that can never succeed (bad image, no model): fail without retry."""


class JobCanceledError(Exception):
    """The job was canceled (or taken over) while it ran."""


class WorkerStoppingError(Exception):
    """This worker is shutting down: hand the job back to the queue."""
