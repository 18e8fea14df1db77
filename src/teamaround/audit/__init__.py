"""The append-only, hash-chained audit log: who saw or did what, never the content."""
