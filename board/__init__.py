"""Tumor Board: the domain package of the multidisciplinary tumor board app.

Everything except :mod:`board.ui` is free of Streamlit, so it can be used from the
command line, the tests and the benchmarks alike.
"""

__version__ = "0.1.0"
