"""Public uploads: receive, validate, store, create and enqueue the job."""
