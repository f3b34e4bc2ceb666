"""statusgen: a static status-page generator with SLA-window annotations."""

__version__ = "0.1.0"
