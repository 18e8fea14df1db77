"""Reading an extract's rows: each becomes a share or is refused, naming the row and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamaround.domain.vocab import ShareCategory
from teamaround.services.screening import (
    DEFAULT_SUMMARY,
    ExtractError,
    ExtractRow,
    RowRefused,
    read_extract,
    read_row,
)


def _row(**fields: str | None) -> ExtractRow | RowRefused:
    return read_row(7, dict(fields), ShareCategory.UPDATE)


def test_a_postcode_column_joins_the_address_once() -> None:
    joined = _row(given="Amy", address="7 Linden Road", postcode="NT1 2AB")
    already = _row(given="Amy", address="7 Linden Road, NT1 2AB", postcode="nt12ab")
    alone = _row(given="Amy", postcode="NT1 2AB")
    assert isinstance(joined, ExtractRow) and isinstance(already, ExtractRow)
    assert isinstance(alone, ExtractRow)
    assert joined.share.subjects[0].address == "7 Linden Road, NT1 2AB"
    assert already.share.subjects[0].address == "7 Linden Road, NT1 2AB"
    assert alone.share.subjects[0].address == "NT1 2AB"


def test_a_row_is_a_share_of_one_subject_with_the_extracts_summary() -> None:
    row = _row(id="A17", name="Amy Carter", dob=" 04/05/2015 ", sex="F", summary="", extra="x")
    assert isinstance(row, ExtractRow)
    assert row.number == 7
    assert row.share.summary == DEFAULT_SUMMARY
    assert row.share.category == ShareCategory.UPDATE
    subject = row.share.subjects[0]
    assert (subject.name, subject.dob, subject.sex, subject.given) == (
        "Amy Carter",
        "04/05/2015",
        "F",
        None,
    )
    summarised = _row(given="Amy", summary="Registered with the practice.")
    assert isinstance(summarised, ExtractRow)
    assert summarised.share.summary == "Registered with the practice."


@pytest.mark.parametrize(
    ("fields", "field", "problem"),
    [
        ({"given": "Amy", "dob": "31/02/2015"}, "dob", "is not a date"),
        ({"given": "Amy", "dob": "2015"}, "dob", "is not a date"),
        ({"given": "A\x00my"}, "given", "must not contain NUL"),
        ({"given": "A" * 201}, "given", "longer than 200 characters"),
        ({"given": "Amy", "summary": "x" * 20_001}, "summary", "longer than 20000 characters"),
        ({"dob": "04/05/2015"}, "given, family or name", "at least one of given"),
        ({"given": "Amy", "postcode": "NT1 2AB NT1 2AB"}, "postcode", "longer than 10"),
        ({"given": "B\udce9atrice"}, "given", "is not UTF-8"),
        ({"given": "Amy", None: ["spare"]}, "(row)", "more values than the header"),
    ],
)
def test_a_bad_row_is_refused_naming_the_field(
    fields: dict[str | None, object], field: str, problem: str
) -> None:
    refused = read_row(7, fields, ShareCategory.UPDATE)
    assert isinstance(refused, RowRefused)
    assert (refused.number, refused.field) == (7, field)
    assert problem in refused.problem


def test_rows_are_numbered_as_a_spreadsheet_numbers_them(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    path.write_text('given,family,address\nAmy,Carter,"7 Linden Road\nNorthtown"\nBen,,\n')
    extract = read_extract(path)
    assert [r.number for r in extract.rows] == [2, 3]
    assert len(extract.digest) == 64


def test_a_file_without_identity_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    path.write_text("reference,notes\n1,two\n")
    with pytest.raises(ExtractError, match="header"):
        read_extract(path)
