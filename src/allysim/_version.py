"""The version of allysim, in a module of its own so that inner modules never import the package face."""

__version__ = "0.1.0"
