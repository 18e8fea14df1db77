"""Rules: pure functions from a case snapshot and an event to alerts and prompts."""
