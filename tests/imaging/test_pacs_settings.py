"""PACS and viewer settings: validated at start-up with a message naming the variable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from board.errors import ConfigurationError
from board.imaging.enums import Modality
from board.imaging.pacs import PacsClient, PacsSearch
from board.settings import load_settings

SECRET = "s" * 40


def _load(tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    return load_settings(
        {"TUMORBOARD_DATA_DIR": str(tmp_path), "TUMORBOARD_SECRET_KEY": SECRET, **env}
    )


def test_unset_means_no_pacs_and_no_viewer(tmp_path: Path) -> None:
    settings = _load(tmp_path)
    assert settings.pacs_url is None and settings.viewer_url_template is None
    assert PacsClient.from_settings(settings) is None


def test_valid_pacs_and_viewer(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        TUMORBOARD_PACS_URL="http://127.0.0.1:8042/dicom-web/",
        TUMORBOARD_PACS_USERNAME="board",
        TUMORBOARD_PACS_PASSWORD="pw",
        TUMORBOARD_VIEWER_URL_TEMPLATE="https://viewer.example.org/app?study={study_uid}",
    )
    assert settings.pacs_url == "http://127.0.0.1:8042/dicom-web"
    assert "pw" not in repr(settings)
    client = PacsClient.from_settings(settings)
    assert client is not None and client.session.auth == ("board", "pw")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"TUMORBOARD_PACS_URL": "ftp://pacs"}, "TUMORBOARD_PACS_URL"),
        ({"TUMORBOARD_PACS_URL": "not a url"}, "TUMORBOARD_PACS_URL"),
        (
            {"TUMORBOARD_PACS_URL": "http://pacs/dicom-web", "TUMORBOARD_PACS_USERNAME": "u"},
            "TUMORBOARD_PACS_PASSWORD",
        ),
        ({"TUMORBOARD_PACS_USERNAME": "u", "TUMORBOARD_PACS_PASSWORD": "p"}, "TUMORBOARD_PACS_URL"),
        ({"TUMORBOARD_VIEWER_URL_TEMPLATE": "https://v/"}, "TUMORBOARD_VIEWER_URL_TEMPLATE"),
        (
            {"TUMORBOARD_VIEWER_URL_TEMPLATE": "https://v/{study_uid}/{series}"},
            "TUMORBOARD_VIEWER_URL_TEMPLATE",
        ),
        (
            {"TUMORBOARD_VIEWER_URL_TEMPLATE": "javascript:alert(1)//{study_uid}"},
            "TUMORBOARD_VIEWER_URL_TEMPLATE",
        ),
    ],
)
def test_bad_values_are_refused(tmp_path: Path, env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        _load(tmp_path, **env)


def test_search_filters() -> None:
    search = PacsSearch(
        patient_id=" H123 ",
        date_from=dt.date(2025, 1, 1),
        date_to=dt.date(2025, 2, 1),
        modality=Modality.MR,
    )
    assert search.filters() == {
        "PatientID": "H123",
        "StudyDate": "20250101-20250201",
        "ModalitiesInStudy": "MR",
    }
    assert PacsSearch(accession_number="A1", date_from=dt.date(2025, 1, 1)).filters() == {
        "AccessionNumber": "A1",
        "StudyDate": "20250101-",
    }
    with pytest.raises(ValueError, match="hospital number"):
        PacsSearch().filters()
    with pytest.raises(ValueError, match="after"):
        PacsSearch("x", date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 1, 1)).filters()
