"""The `teamaround` command line."""
