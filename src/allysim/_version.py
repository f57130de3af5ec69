"""The version of allysim, in a module of its own so that inner modules never import the package face."""

__all__ = ["__version__"]

__version__ = "0.1.0"
