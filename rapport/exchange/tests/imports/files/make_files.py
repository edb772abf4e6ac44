"""Writes the fixture files of the import tests (run once; the files are kept in git)."""

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


# Good files ---------------------------------------------------------------------------
write(
    "clients_en.csv",
    (
        b"Name,Tax id,Phones,E-mails,Relationship status,Notes\r\n"
        b"Acme Ltd,7707083893,+7 495 123-45-67,info@acme.example,lead,first\r\n"
        b"Globex LLC,,8 (916) 000-11-22; +7 916 000-11-23,sales@globex.example,,\r\n"
        b"\r\n"
        b'Initech,,,hello@initech.example,,"multi\nline"\r\n'
    ),
)
write(
    "clients_ru_bom.csv",
    (
        "\ufeffНаименование;ИНН;Телефон;Почта;Статус\r\n"
        "ООО «Ромашка»;7707083893;+7 495 765-43-21;office@romashka.example;lead\r\n"
        "ЗАО Вектор;;;vector@vector.example;\r\n"
    ).encode(),
)
write(
    "clients_ru_cp1251.csv",
    (
        "Наименование;ИНН;Телефон;Примечание\r\n"
        "ООО «Ромашка»;7707083893;+7 495 765-43-21;Постоянный клиент\r\n"
        "ИП Иванов;;+7 903 111-22-33;Звонить утром\r\n"
    ).encode("cp1251"),
)
write(
    "clients_pl_cp1250.csv",
    (
        "Nazwa\tNIP\tTelefon\tUwagi\r\n"
        "Zakład Łódź Sp. z o.o.\t5260250995\t+48 22 123 45 67\tŻółta teczka\r\n"
        "Kraków Śląsk S.A.\t\t+48 601 234 567\tĆma\r\n"
    ).encode("cp1250"),
)
book = Workbook()
sheet = book.active
sheet.append(["Name", "Tax id", "Phones", "E-mails", "Kind"])
sheet.append(["Umbrella Corp", "7707083893", 74951112233, "umbrella@example.com", "company"])
sheet.append(["Jan Kowalski", None, "+48 601 000 111", "jan@example.pl", "person"])
book.save(HERE / "clients.xlsx")

write(
    "contacts.vcf",
    (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Smith;John;Q;;\r\nFN:John Smith\r\n"
        b"ORG:Acme Ltd\r\nTITLE:Buyer\r\nTEL;TYPE=WORK:+7 495 123-45-67\r\n"
        b"EMAIL:john.smith@acme.example\r\nBDAY:1980-05-17\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Anna Nowak\r\nN:Nowak;Anna;;;\r\n"
        b"TEL;VALUE=uri;TYPE=cell:tel:+48-601-000-222\r\nEMAIL:anna@nowak.example\r\n"
        b"END:VCARD\r\n"
    ),
)

# Bad files ----------------------------------------------------------------------------
write("not_really.xlsx", b"Name,Tax id\r\nAcme,7707083893\r\n")  # a CSV named .xlsx
write("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64)
write("old_excel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
write(
    "wrong_encoding.csv",  # UTF-8 except row 3, which is windows-1251
    "Name,Notes\r\nGood One,ок\r\n".encode()
    + "Плохой,тест\r\n".encode("cp1251")
    + "Good Two,fine\r\nЕщё один,хорошо\r\n".encode(),
)
book = Workbook()
sheet = book.active
sheet.append(["Name", "Notes"])
sheet.append(["Formula Co", '=HYPERLINK("http://evil.example","x")'])
sheet.append(["Plain Co", "ok"])
book.save(HERE / "formula.xlsx")
write(
    "too_long.csv",
    (
        "Name,Legal form\r\nShort Co,LLC\r\n" + "X" * 301 + ",LLC\r\nFine Co," + "F" * 65 + "\r\n"
    ).encode(),
)
write(
    "bad_date.csv",
    b"Last name,First name,Birthday\r\nSmith,John,1980-05-17\r\nDoe,Jane,May 17th 1980\r\n"
    b"Roe,Richard,17.05.1981\r\n",
)
write(
    "extra_columns.csv",
    b"Name,Tax id\r\nAcme Ltd,7707083893\r\nGlobex,,surplus,values\r\nInitech,,\r\n",
)
write("empty.csv", b"")
