"""Reading a history CSV: dates and numbers, censoring, --as-of, causes, and every bad row located."""

from __future__ import annotations

import pytest

from allysim.errors import HistoryError, UsageError
from allysim.history import cause_id, read_history


def write(tmp_path, text, name="h.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_numbers_are_lifetimes_in_the_time_unit_and_ended_defaults_to_a_filled_end(tmp_path):
    h = read_history(write(tmp_path, "id,start,end,ended,notes\na,1815,1820,1,x\nb,1900,1910,,\nc,1950,2000,0,\n"))
    assert h.durations.tolist() == [5.0, 10.0, 50.0]
    assert h.ended.tolist() == [True, True, False]  # b: blank ended with an end is an ending; c: still going then
    assert (h.n, h.events, h.exposure) == (3, 2, 65.0)
    assert h.cause_names == ["all"]


def test_a_blank_end_is_still_going_at_the_latest_date_in_the_file_or_at_as_of(tmp_path):
    path = write(tmp_path, "id,start,end,ended\na,2000-01-01,2001-01-01,1\nb,2000-07-01,,\nc,2002-01-01,,0\n")
    h = read_history(path)
    assert h.as_of == "2002-01-01"  # the latest start or end
    days = [366, 549, 0]  # 2000 is a leap year
    assert h.durations.tolist() == pytest.approx([d / 365.25 for d in days])
    assert h.ended.tolist() == [True, False, False]
    later = read_history(path, as_of="2003-01-01")
    assert later.durations.tolist() == pytest.approx([366 / 365.25, 914 / 365.25, 365 / 365.25])
    months = read_history(path, time_unit="month", as_of="2003-01-01")
    assert months.durations[0] == pytest.approx(366 / (365.25 / 12))


def test_causes_are_kept_for_endings_only(tmp_path):
    h = read_history(write(tmp_path, "id,start,end,ended,cause\na,0,2,1,war\nb,0,3,0,\nc,1,4,true,Regime change\n"
                                     "d,0,1,1,war\n"))
    assert h.cause_names == ["war", "Regime change"]
    assert h.causes.tolist() == ["war", "", "Regime change", "war"]
    assert cause_id("Regime change") == "regime_change" and cause_id("2nd war") == "cause_2nd_war"


@pytest.mark.parametrize(("row", "message"), [
    ("x,2001-01-01,2000-01-01,1", "end 2000-01-01 is before start 2001-01-01"),
    ("x,2001-13-01,2002-01-01,1", "start: '2001-13-01' is neither an ISO date (YYYY-MM-DD) nor a number"),
    ("x,2001-01-01,2002-01-01,2", "ended is '2': write 1 (it ended) or 0"),
    ("x,2001-01-01,,1", "ended is 1 but end is blank"),
    ("x,,2002-01-01,1", "start is blank"),
    ("x,2001,2002-01-01,1", "are not both dates or both numbers"),
    ("x,2001-01-01,2001-01-01,1", "a lifetime must be longer than zero"),
])
def test_a_bad_row_is_located_by_file_and_line(tmp_path, row, message):
    path = write(tmp_path, f"id,start,end,ended\na,2000-01-01,2000-06-01,1\n{row}\n")
    with pytest.raises(HistoryError) as caught:
        read_history(path)
    assert caught.value.problems[0].startswith(f"{path}:3: ")
    assert message in caught.value.problems[0]


def test_every_bad_row_is_reported_at_once(tmp_path):
    path = write(tmp_path, "id,start,end,ended\na,5,3,1\nb,1,2,1\nc,x,2,1\n")
    with pytest.raises(HistoryError) as caught:
        read_history(path)
    assert [p.split(": ")[0] for p in caught.value.problems] == [f"{path}:2", f"{path}:4"]


def test_a_missing_column_an_empty_file_and_no_ending_are_refused(tmp_path):
    with pytest.raises(HistoryError, match=r"h.csv:1: missing column ended: the header must name id, start, end"):
        read_history(write(tmp_path, "id,start,end\na,1,2\n"))
    with pytest.raises(HistoryError, match="no rows"):
        read_history(write(tmp_path, "id,start,end,ended\n"))
    with pytest.raises(HistoryError, match="no alliance in the file ended"):
        read_history(write(tmp_path, "id,start,end,ended\na,1,2,0\nb,1,,\n"))
    with pytest.raises(HistoryError, match="cause is blank"):
        read_history(write(tmp_path, "id,start,end,ended,cause\na,1,2,1,\n"))


def test_as_of_before_a_row_is_refused_and_a_bad_as_of_is_a_usage_error(tmp_path):
    path = write(tmp_path, "id,start,end,ended\na,2000-01-01,2001-01-01,1\nb,2000-07-01,,\n")
    with pytest.raises(HistoryError, match=r"h.csv:2: end 2001-01-01 is after --as-of 2000-12-31"):
        read_history(path, as_of="2000-12-31")
    with pytest.raises(UsageError, match="is a number but"):
        read_history(path, as_of="2020")
    with pytest.raises(UsageError, match="--time-unit 'decade'"):
        read_history(path, time_unit="decade")
