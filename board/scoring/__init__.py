"""Scoring subdomain: pure, deterministic, sourced calculators for the spine scores.

Modules: :mod:`~board.scoring.sins`, :mod:`~board.scoring.escc`,
:mod:`~board.scoring.noms`, :mod:`~board.scoring.tokuhashi`,
:mod:`~board.scoring.tomita`, :mod:`~board.scoring.nesms_score`,
:mod:`~board.scoring.radiotherapy`, :mod:`~board.scoring.performance`,
:mod:`~board.scoring.neuro`, :mod:`~board.scoring.pain`, :mod:`~board.scoring.safety`,
with the shared conventions in :mod:`~board.scoring.common`, primary-site tables in
:mod:`~board.scoring.primary` and recomputation in :mod:`~board.scoring.registry`.
No I/O, no database, no Streamlit. Scores advise; the board decides.

The public API for other tools is the six functions :func:`sins`, :func:`escc`,
:func:`tokuhashi`, :func:`tomita`, :func:`noms` and :func:`nesms` (see
:mod:`board.scoring.api`).
They shadow the submodules of the same names as attributes of this package: import
a calculator module by its full name (``from board.scoring.sins import ...``).
"""

from board.scoring.api import Score, escc, nesms, noms, sins, tokuhashi, tomita

__all__ = ["Score", "escc", "nesms", "noms", "sins", "tokuhashi", "tomita"]
