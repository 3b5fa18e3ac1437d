"""The CSV flavour for Excel in a comma-decimal locale (German, French, Dutch, Spanish, Brazilian...
Windows): `locate --csv-excel`, the app's "CSV for Excel" export choice (session 29).

Our plain CSV (RFC 4180: `,` between cells, `.` in numbers, UTF-8 without a byte order mark) is what
GIS tools and scripts read, and it stays the default. Excel opening a `.csv` by a double click reads it
with the Windows regional settings instead: the list separator (`;` where `,` is the decimal mark), so
every row lands in one column; the decimal mark of the region, so `46.5` is not a number there (and
`7.45` can become a date); and, without a byte order mark, the text in the system's ANSI code page
(Windows-1252: "Gelände" reads "GelÃ¤nde"). A file beginning with the UTF-8 byte order mark EF BB BF is
read as UTF-8. Sources: Microsoft's Power Automate documentation ("Excel uses the list separators
defined in the Windows regional settings", Convert a CSV file into an Excel spreadsheet); the Bank of
Spain's notes on its CSV files (with `,` `.` `;` regional settings, decimal figures need the field and
decimal separators changed before Excel opens them); SAP's wiki page "Excel files - CSV format" (the
byte order marks Excel recognises). Excel itself was not run here (no Windows on these machines).

So the flavour is: UTF-8 with a byte order mark, `;` between cells, and a decimal comma in every number
cell (text cells, such as MGRS "11S PA 58939 01125" or a capture time, are written as they are). It is
for comma-decimal locales only: an English Excel reads the plain CSV right and this one wrong.
"""

from __future__ import annotations

import numbers

BOM = "\ufeff"  # written first: Excel then reads the file as UTF-8 (EF BB BF on disk)
DELIMITER = ";"  # the list separator of the Windows regions whose decimal mark is ","


def excel_cell(value):
    """A cell for the Excel flavour: a number that is not whole (float, numpy float) as its text with a
    decimal comma ("46,5", "-115,2334185", "1,5e-05"); whole numbers, booleans and text unchanged."""
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return str(value).replace(".", ",")
    return value
