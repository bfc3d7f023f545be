"""``klaster activities``: activities and mentoring visits, plans vs actual, commitments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.conftest import ROOT, Cli

import klaster

EVENTS = ROOT / "examples" / "data" / "fieldwork.json"


def _json(cli: Cli, *argv: str | Path) -> dict[str, Any]:
    result = cli("activities", EVENTS, *argv, "--json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


class TestListing:
    def test_text_lists_activities_and_visits_by_date(self, cli: Cli) -> None:
        result = cli("activities", EVENTS, "--cluster", "blora")
        assert result.returncode == 0, result.stderr
        assert "kegiatan dan pendampingan" in result.stdout
        assert "blr-workshop-pemandirian" in result.stdout
        assert "Held / Terlaksana" in result.stdout
        assert "2 activities, 0 mentoring visits" in result.stdout
        lines = result.stdout.splitlines()
        training = next(i for i, line in enumerate(lines) if "blr-pelatihan" in line)
        workshop = next(i for i, line in enumerate(lines) if "blr-workshop" in line)
        assert training < workshop

    def test_json_has_every_field_and_visits_as_a_kind(self, cli: Cli) -> None:
        rows = _json(cli)["activities"]
        assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
        kinds = {r["kind"] for r in rows}
        assert {"study", "workshop", "training", "group_meeting", "mentoring_visit"} <= kinds
        blora = next(r for r in rows if r["id"] == "blr-workshop-pemandirian")
        assert blora["date"] == "2014-02-18"
        assert blora["headcount"] == blora["attendance"] == 140
        assert blora["milestone"] == "independence"
        visit = next(r for r in rows if r["kind"] == "mentoring_visit")
        assert visit["facilitator_ids"] == ["pd-bantaeng"]
        assert visit["status"] == "held"

    def test_filters(self, cli: Cli) -> None:
        visits = _json(cli, "--kind", "mentoring_visit", "--from", "2013-12-01")["activities"]
        assert [r["id"] for r in visits] == ["btg-v-2013-12-0", "btg-v-2013-12-1", "tbn-v-2015-08"]
        both = _json(cli, "--kind", "workshop", "--kind", "training", "--to", "2012-12-31")
        assert [r["id"] for r in both["activities"]] == [
            "btg-workshop-pembukaan",
            "lbk-pelatihan-pertanian-sehat",
        ]
        planned = _json(cli, "--status", "planned")["activities"]
        assert [r["id"] for r in planned] == ["btg-workshop-pemandirian"]
        # A sector's own kind is a kind (farming's harvest day), even with nothing recorded.
        assert _json(cli, "--kind", "harvest_day")["activities"] == []

    def test_nothing_matches(self, cli: Cli) -> None:
        result = cli("activities", EVENTS, "--status", "cancelled")
        assert result.returncode == 0
        assert "no activities or mentoring visits match" in result.stdout

    def test_no_personal_names(self, cli: Cli) -> None:
        program = klaster.load(EVENTS)
        names = [p.name for p in program.people] + [m.name for m in program.members()]
        for argv in ((), ("--json",), ("--plans", "--commitments"), ("--commitments", "--json")):
            result = cli("activities", EVENTS, *argv)
            assert result.returncode == 0
            assert not [n for n in names if n in result.stdout]


class TestPlansAndCommitments:
    def test_plans_vs_actual(self, cli: Cli) -> None:
        (plan,) = _json(cli, "--plans")["plans"]
        assert plan == {
            "cluster_id": "bantaeng",
            "milestone": "independence",
            "planned": "2014-03-25",
            "first_planned": "2014-03-25",
            "revisions": 1,
            "actual": None,
            "delay_days": None,
            "source": None,
        }
        text = cli("activities", EVENTS, "--plans").stdout
        assert "rencana dan realisasi" in text
        assert "not yet" in text

    def test_commitments_flag_overdue(self, cli: Cli) -> None:
        document = _json(cli, "--commitments", "--on", "2015-12-31")
        overdue = {c["id"]: c["overdue"] for c in document["commitments"]}
        assert overdue == {
            "blr-komitmen-1": True,
            "blr-komitmen-2": False,
            "lbk-dukungan-pemda": True,
            "tbn-rekomendasi": False,
        }
        assert "activities" not in document
        early = _json(cli, "--commitments", "--on", "2014-06-01", "--cluster", "blora")
        assert [c["overdue"] for c in early["commitments"]] == [False, False]
        text = cli("activities", EVENTS, "--commitments", "--on", "2015-12-31").stdout
        assert "OVERDUE / terlambat" in text
        assert "4 commitments, 2 overdue" in text


class TestFromAStore:
    def test_the_same_from_a_store(self, cli: Cli, tmp_path: Path) -> None:
        store = tmp_path / "events.klaster"
        assert cli("init", store, "--from", EVENTS).returncode == 0
        for argv in ((), ("--plans", "--commitments", "--on", "2015-12-31")):
            from_store = cli("activities", store, *argv, "--json")
            assert from_store.returncode == 0, from_store.stderr
            a, b = json.loads(from_store.stdout), _json(cli, *argv)
            del a["source"], b["source"]
            assert a == b


class TestBadInput:
    def test_unknown_kind_is_a_usage_error(self, cli: Cli) -> None:
        result = cli("activities", EVENTS, "--kind", "party")
        assert result.returncode == 2
        assert "unknown activity kind 'party'" in result.stderr
        assert "harvest_day" in result.stderr  # the hint lists the kinds, plugins' too

    def test_period_the_wrong_way_round(self, cli: Cli) -> None:
        result = cli("activities", EVENTS, "--from", "2014-01-01", "--to", "2013-01-01")
        assert result.returncode == 2
        assert "after --to" in result.stderr

    def test_bad_date_and_status(self, cli: Cli) -> None:
        assert cli("activities", EVENTS, "--from", "March").returncode == 2
        assert cli("activities", EVENTS, "--status", "done").returncode == 2

    def test_unknown_cluster(self, cli: Cli) -> None:
        result = cli("activities", EVENTS, "--cluster", "garut", "--json")
        assert result.returncode == 1
        error = json.loads(result.stderr)["error"]
        assert "no cluster 'garut'" in error["message"]
        assert result.stdout == ""

    def test_missing_or_bad_file(self, cli: Cli, tmp_path: Path) -> None:
        assert cli("activities", tmp_path / "nope.json").returncode == 5
        bad = tmp_path / "bad.json"
        bad.write_text("{", encoding="utf-8")
        assert cli("activities", bad).returncode == 5


class TestReportShowsMentoring:
    def test_mentoring_indicators_in_the_report(self, cli: Cli, tmp_path: Path) -> None:
        import datetime as dt
        import shutil
        from decimal import Decimal

        from tests.cli.conftest import PROGRAM, SIDECAR

        from klaster import Assignment, Person, Position, Visit
        from klaster.measurement.mentoring_indicators import MENTORING_CODES

        program = klaster.load(PROGRAM)
        program.add_person(Person("pd-1", "Pendamping", [Position("mm", "facilitator")]))
        program.fieldwork.assign(Assignment("pd-1", "bantaeng", dt.date(2011, 5, 1)))
        groups = [g.id for g in program.clusters["bantaeng"].groups][:10]
        program.fieldwork.log_visits(
            Visit(f"v-{i}", "bantaeng", "pd-1", dt.date(2014, 1, 6 + i), group_ids=[group])
            for i, group in enumerate(groups)
        )
        path = tmp_path / "visited.json"
        klaster.save(program, path)
        shutil.copy(SIDECAR, tmp_path / "visited.observations.jsonl")
        result = cli("report", path, "--round", "endline", "--json")
        assert result.returncode == 0, result.stderr
        rows = [r for r in json.loads(result.stdout)["rows"] if r["indicator"] in MENTORING_CODES]
        assert {r["indicator"] for r in rows} == set(MENTORING_CODES)
        groups_visited = next(r for r in rows if r["indicator"] == "groups_visited_90d")
        assert Decimal(groups_visited["value"]) == Decimal(10) / Decimal(34)
        text = cli("report", path, "--round", "endline", "--indicator", *MENTORING_CODES)
        assert text.returncode == 0
        line = next(x for x in text.stdout.splitlines() if "groups_visited_90d" in x)
        assert "Share of groups visited" in line  # with its name in both languages
        assert line.rstrip().endswith("29.4% (n=34)")  # a share shown as a percentage
