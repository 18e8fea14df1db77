"""Case scenarios: load a file, replay it through the services, report what happened."""
