"""Adapters: the database and the ways alerts leave the system."""
