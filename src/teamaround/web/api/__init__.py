"""JSON routes, one module per feature."""
