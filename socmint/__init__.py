"""socmint: a workbench for lawful social media intelligence."""

__version__ = "0.1.0"
