"""The job queue: Dramatiq broker construction and the API's producer side."""
