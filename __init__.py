"""ATMP-KG: a knowledge graph of the advanced-therapy (cell and gene therapy) market.

The library is :mod:`atmpkg.graph`; the command is ``atmpkg`` (:mod:`atmpkg.cli`). Importing this
package does no work.

>>> import atmpkg
>>> atmpkg.__version__
'0.2.0'
"""

__version__ = "0.2.0"
