"""Jobs: the state machine, the public job API and progress events."""
