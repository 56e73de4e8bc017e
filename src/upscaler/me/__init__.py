"""/api/v1/me and /me: what a signed-in person has: keys, usage, jobs."""
