#!/usr/bin/env python3
"""Writes tests/data/jp-holidays-2000-2030.txt: Japan's public holidays (国民の祝日, 振替休日 and
国民の休日) from 2000-01-01 to 2030-12-31, one per line as `YYYY-MM-DD<TAB>name`, taken from the
PyPI package `holidays`: an oracle independent of the Rust crate the due-date rule uses
(src/domain/due_date.rs tests that the two agree).

The committed file was produced with holidays==0.109. To re-run (PyPI only, nothing else is
fetched):

    python3 -m venv /tmp/hol-venv
    /tmp/hol-venv/bin/pip install holidays==0.109
    /tmp/hol-venv/bin/python ops/oracle/jp_holidays.py

A newer `holidays` may be used on purpose (say, once a new holiday law passes): change the version
above, re-run, and check every changed line against the Cabinet Office's list (内閣府「国民の祝日に
ついて」, syukujitsu.csv) before committing.
"""

import pathlib

import holidays

FIRST, LAST = 2000, 2030
OUT = pathlib.Path(__file__).resolve().parents[2] / "tests/data/jp-holidays-2000-2030.txt"


def main() -> None:
    # Public holidays only: the bank category would add 12/31 and 1/2-1/3, which the due-date rule
    # names on its own (地方税法第20条の5 lists 12/29-1/3 itself).
    jp = holidays.country_holidays(
        "JP", years=range(FIRST, LAST + 1), language="ja", categories=("public",)
    )
    lines = [f"{day.isoformat()}\t{name}\n" for day, name in sorted(jp.items())]
    OUT.write_text("".join(lines), encoding="utf-8")
    print(f"{OUT}: {len(lines)} holidays, holidays=={holidays.__version__}")


if __name__ == "__main__":
    main()
