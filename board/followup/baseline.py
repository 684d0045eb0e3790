"""The patient's state when the board's plan was finalized: the follow-up baseline.

Finalizing a plan stores this snapshot on the plan version, so later edits of the
assessments do not move the baseline:

- pain (NRS) and daily oral morphine equivalent dose (OMED): the baseline of the pain
  response after radiation (International Bone Metastases Consensus, Chow 2012);
- ECOG, Karnofsky, Frankel and ASIA grade: the first point of the neurological and
  performance charts;
- the revised Tokuhashi total and band: survival is analysed by this band.

Pain comes from the pain and palliative care assessment, or from the referral when
that assessment has no score; the opioid dose only from that assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from board.assessments.forms import PainForm
from board.auth.roles import Role
from board.cases.read_model import CaseReadModel
from board.scoring.tokuhashi import TokuhashiBand, tokuhashi_band


@dataclass(frozen=True, slots=True)
class Baseline:
    """The snapshot, every value optional (``None``: unknown at the decision).

    Parameters
    ----------
    pain_nrs:
        Worst pain, 0-10.
    pain_source:
        ``"pain assessment"`` or ``"referral"``.
    omed_mg:
        Daily oral morphine equivalent dose in mg.
    ecog, karnofsky:
        Performance status.
    frankel, asia:
        Neurological grade letters.
    tokuhashi_total:
        Revised Tokuhashi total (0-15) when complete.
    tokuhashi_band:
        Its survival band.
    tomita_total:
        Tomita total when complete.
    """

    pain_nrs: int | None = None
    pain_source: str | None = None
    omed_mg: float | None = None
    ecog: int | None = None
    karnofsky: int | None = None
    frankel: str | None = None
    asia: str | None = None
    tokuhashi_total: int | None = None
    tokuhashi_band: TokuhashiBand | None = None
    tomita_total: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored on the plan version)."""
        return {
            "pain_nrs": self.pain_nrs,
            "pain_source": self.pain_source,
            "omed_mg": self.omed_mg,
            "ecog": self.ecog,
            "karnofsky": self.karnofsky,
            "frankel": self.frankel,
            "asia": self.asia,
            "tokuhashi_total": self.tokuhashi_total,
            "tokuhashi_band": None if self.tokuhashi_band is None else self.tokuhashi_band.value,
            "tomita_total": self.tomita_total,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Baseline:
        """Read a stored snapshot; unknown or unreadable values become ``None``.

        Parameters
        ----------
        data:
            The stored JSON (``None`` for plans finalized before snapshots existed).

        Returns
        -------
        Baseline
            The snapshot.
        """
        data = data or {}

        def _int(key: str) -> int | None:
            value = data.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        def _text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        omed = data.get("omed_mg")
        band = _text("tokuhashi_band")
        return cls(
            pain_nrs=_int("pain_nrs"),
            pain_source=_text("pain_source"),
            omed_mg=float(omed)
            if isinstance(omed, int | float) and not isinstance(omed, bool)
            else None,
            ecog=_int("ecog"),
            karnofsky=_int("karnofsky"),
            frankel=_text("frankel"),
            asia=_text("asia"),
            tokuhashi_total=_int("tokuhashi_total"),
            tokuhashi_band=TokuhashiBand(band) if band in set(TokuhashiBand) else None,
            tomita_total=_int("tomita_total"),
        )


def capture_baseline(case: CaseReadModel) -> Baseline:
    """Take the snapshot from a case's read model (loaded in the finalizing transaction).

    Parameters
    ----------
    case:
        The case: its typed pain form, referral pain score and derived scores.

    Returns
    -------
    Baseline
        The snapshot.
    """
    scores = case.scores
    pain_form = case.forms.get(Role.PAIN_PALLIATIVE)
    nrs = omed = None
    source = None
    if isinstance(pain_form, PainForm):
        nrs, omed = pain_form.nrs, pain_form.opioid_ome_mg
        source = "pain assessment" if nrs is not None else None
    if nrs is None and case.pain_score is not None:
        nrs, source = case.pain_score, "referral"
    toku_total = None
    if scores.tokuhashi is not None and scores.tokuhashi.complete:
        toku_total = scores.tokuhashi.total
    tomita_total = None
    if scores.tomita is not None and scores.tomita.complete:
        tomita_total = scores.tomita.total
    return Baseline(
        pain_nrs=nrs,
        pain_source=source,
        omed_mg=None if omed is None else float(omed),
        ecog=None if scores.ecog is None else scores.ecog.grade,
        karnofsky=scores.karnofsky,
        frankel=None if scores.frankel is None else scores.frankel.value,
        asia=None if scores.asia is None else scores.asia.value,
        tokuhashi_total=None if toku_total is None else int(toku_total),
        tokuhashi_band=None if toku_total is None else tokuhashi_band(int(toku_total)),
        tomita_total=None if tomita_total is None else int(tomita_total),
    )
