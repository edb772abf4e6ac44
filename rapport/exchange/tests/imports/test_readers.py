import io

import pytest

from rapport.exchange.imports.readers import FileProblem, TableReader, count_rows

from .conftest import FILES


def read(name, data=None, **kwargs):
    stream = io.BytesIO(data if data is not None else (FILES / name).read_bytes())
    table = TableReader(stream, name=name, **kwargs)
    return table, list(table.rows())


def test_csv_comma_utf8_with_quoted_newline_and_blank_line():
    table, rows = read("clients_en.csv")
    assert table.info.format == "csv"
    assert table.info.encoding == "utf-8"
    assert table.info.delimiter == ","
    assert table.headers[:3] == ["Name", "Tax id", "Phones"]
    assert [r.number for r in rows] == [2, 3, 5]
    assert rows[2].values[5] == "multi\nline"
    assert all(not r.problems for r in rows)


def test_utf8_bom_and_semicolon():
    table, rows = read("clients_ru_bom.csv")
    assert table.info.encoding == "utf-8-sig"
    assert table.info.delimiter == ";"
    assert table.headers[0] == "Наименование"
    assert rows[0].values[0] == "ООО «Ромашка»"


def test_windows_1251_detected():
    table, rows = read("clients_ru_cp1251.csv")
    assert table.info.encoding == "windows-1251"
    assert table.headers == ["Наименование", "ИНН", "Телефон", "Примечание"]
    assert rows[1].values[3] == "Звонить утром"


def test_cp1250_and_tab_detected():
    table, rows = read("clients_pl_cp1250.csv")
    assert table.info.encoding == "cp1250"
    assert table.info.delimiter == "\t"
    assert rows[0].values[0] == "Zakład Łódź Sp. z o.o."
    assert rows[0].values[3] == "Żółta teczka"


def test_encoding_and_delimiter_can_be_overridden():
    table, _rows = read("clients_ru_cp1251.csv", encoding="cp1250", delimiter=",")
    assert table.info.encoding == "cp1250"
    assert len(table.headers) == 1


def test_wrong_encoding_names_the_row():
    table, rows = read("wrong_encoding.csv")
    assert table.info.encoding == "utf-8"
    problems = {r.number: r.problems for r in rows}
    assert problems[2] == [] and problems[4] == []
    assert "Row 3 is not valid utf-8 text" in problems[3][0][1]


def test_xlsx_values_numbers_as_text():
    table, rows = read("clients.xlsx")
    assert table.info.format == "xlsx"
    assert table.headers == ["Name", "Tax id", "Phones", "E-mails", "Kind"]
    assert rows[0].values[2] == "74951112233"
    assert rows[1].values[1] == ""


def test_xlsx_formula_cell_is_a_problem():
    _table, rows = read("formula.xlsx")
    assert rows[0].problems == [("Notes", "A formula cell: save the workbook with values only.")]
    assert rows[1].problems == []


def test_extra_columns_are_a_problem_but_empty_trailing_cells_are_not():
    _table, rows = read("extra_columns.csv")
    assert [r.number for r in rows if r.problems] == [3]
    assert "4 values but the header names 2 columns" in rows[1].problems[0][1]


def test_vcard_3_and_4_as_contacts():
    table, rows = read("contacts.vcf", target="contacts")
    assert table.info.format == "vcard"
    by_header = [dict(zip(table.headers, r.values, strict=True)) for r in rows]
    assert by_header[0]["Last name"] == "Smith"
    assert by_header[0]["Client"] == "Acme Ltd"
    assert by_header[0]["Birthday"] == "1980-05-17"
    assert by_header[1]["Last name"] == "Nowak"
    assert "601-000-222" in by_header[1]["Phones"]


def test_vcard_as_clients():
    _table, rows = read("contacts.vcf", target="clients")
    assert [r.values[0] for r in rows] == ["Acme Ltd", "Anna Nowak"]
    assert [r.values[1] for r in rows] == ["company", "person"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not_really.xlsx", "is not an XLSX workbook"),
        ("picture.csv", "is not a text file"),
        ("old_excel.xls", "old Excel (XLS) file"),
        ("empty.csv", "The file is empty"),
    ],
)
def test_files_that_are_not_what_they_claim(name, message):
    with pytest.raises(FileProblem) as exc:
        read(name)
    assert message in exc.value.messages[0]


def test_a_workbook_named_csv_is_refused():
    with pytest.raises(FileProblem, match="not a CSV file"):
        read("x.csv", (FILES / "clients.xlsx").read_bytes())


def test_count_rows():
    assert count_rows(io.BytesIO((FILES / "clients_en.csv").read_bytes()), "csv") == 5
    assert count_rows(io.BytesIO((FILES / "contacts.vcf").read_bytes()), "vcard") == 2
