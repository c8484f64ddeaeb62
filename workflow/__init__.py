"""The work on cases: transitions, take-next, handling, replies, routing rules, deadlines."""
