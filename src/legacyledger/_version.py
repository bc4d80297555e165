"""The release of this legacyledger, in one place: the package metadata reads it
(``pyproject.toml``), reports print it and the persisted views record the release that built
them (a store built by another release is built again: its figures may follow other
definitions)."""

__version__ = "0.2.0.dev0"

__all__ = ["__version__"]
