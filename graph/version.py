"""The release number of ATMP-KG (``atmpkg --version``), stamped on every store it builds.

>>> __version__.count(".")
2
"""

__version__ = "0.2.0"
