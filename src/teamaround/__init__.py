"""TeamAround: multi-agency child safeguarding information sharing."""

__version__ = "0.1.0"
