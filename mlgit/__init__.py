"""mlgit: version large data and models beside Git."""

__version__ = "0.1.0"
