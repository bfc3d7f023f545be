"""The bundled example program and the `make demo` job."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest

import klaster
import klaster.observations
from klaster.finance import (
    AccountKind,
    Asnaf,
    EntryKind,
    FinanceRuleError,
    budget_vs_actual,
    read_budget_csv,
    round_rupiah,
)
from klaster.finance import load as load_books
from klaster.measurement import TargetStatus

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class TestBantaengData:
    def test_bundled_files_are_what_the_builder_makes(self) -> None:
        builder = _load("build_bantaeng")
        program = builder.build()
        assert klaster.load(EXAMPLES / "data" / "bantaeng.json") == program
        written = EXAMPLES / "data" / "bantaeng.observations.jsonl"
        fresh = EXAMPLES / "data" / ".check.observations.jsonl"
        try:
            klaster.observations.save(builder.survey(program), fresh)
            assert fresh.read_bytes() == written.read_bytes()
        finally:
            fresh.unlink(missing_ok=True)

    def test_figures_match_the_reports(self) -> None:
        program = klaster.load(EXAMPLES / "data" / "bantaeng.json")
        cluster = program.clusters["bantaeng"]
        assert len(cluster.members) == 190
        assert len(cluster.groups) == 34
        assert {k.name for k in cluster.region.at_level("kecamatan")} == {
            "Bantaeng",
            "Bissappu",
            "Pajukukang",
        }
        handover = cluster.lifecycle.history[-1]
        assert handover.phase is klaster.Phase.INDEPENDENCE
        assert handover.on == dt.date(2014, 3, 25)
        assert [c.name for c in handover.checks if c.passed] == ["legal_cooperative"]
        assert cluster.lifecycle.phase_on(dt.date(2011, 7, 6)) is klaster.Phase.GROWTH
        (coop,) = cluster.cooperatives
        assert coop.is_legal(handover.on)


class TestDemo:
    def test_demo_prints_summary(self, capsys: pytest.CaptureFixture[str]) -> None:
        demo = _load("bantaeng")
        assert demo.main(["bantaeng.py"]) == 0
        out = capsys.readouterr().out
        assert "mitra active: 188 of 190 registered (2 left)" in out
        assert "kelompok: 34 active of 34" in out
        assert "Pemandirian / Independence" in out
        assert "readiness of bantaeng (siap mandiri): ready" in out
        assert "Income change (%) / Perubahan pendapatan (%)" in out
        assert out.count("Members / Jumlah mitra") == 1
        # Personal data stays out of the summary.
        program = klaster.load(EXAMPLES / "data" / "bantaeng.json")
        assert not any(m.name in out for m in program.members())

    def test_demo_reports_bad_file(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        bad = tmp_path / "bad.json"
        bad.write_text('{"klaster": "program", "schema_version": 1, "program": {', "utf-8")
        demo = _load("bantaeng")
        assert demo.main(["bantaeng.py", str(bad)]) == 1
        assert "malformed JSON" in capsys.readouterr().err


class TestFieldworkEvents:
    """The four source clusters' recorded events (examples/fieldwork_events.py)."""

    def test_bundled_file_is_what_the_example_makes(self) -> None:
        program = _load("fieldwork_events").build()
        assert klaster.load(EXAMPLES / "data" / "fieldwork.json") == program

    def test_events_from_the_reports(self) -> None:
        program = _load("fieldwork_events").build()
        fw = program.fieldwork
        held = {a.id: a for a in fw.activities_of(kind="workshop", status="held")}
        blora = held["blr-workshop-pemandirian"]
        assert (blora.held_on, blora.headcount, blora.village) == (
            dt.date(2014, 2, 18),
            140,
            "Nglaroh Gunung",
        )
        assert blora.attendance_count() == 140
        assert held["lbk-workshop-akhir"].held_on == dt.date(2014, 3, 6)
        assert held["tbn-pemandirian"].venue == "Balai Desa Gaji, Kecamatan Kerek"
        opening = held["btg-workshop-pembukaan"]
        assert opening.held_on == dt.date(2011, 7, 6)
        assert ("person", "bupati-bantaeng") in {(p.kind.value, p.id) for p in opening.attendees()}
        # Closing workshops are linked to the move they decided, on the same day.
        for cluster_id, workshop in (("blora", blora), ("tuban", held["tbn-pemandirian"])):
            move = program.clusters[cluster_id].lifecycle.history[-1]
            assert (move.phase, move.on) == (klaster.Phase.INDEPENDENCE, workshop.held_on)
        # The Bantaeng handover is a plan: the cluster has not moved.
        bantaeng = program.clusters["bantaeng"]
        assert bantaeng.phase is klaster.Phase.STRENGTHENING
        (plan,) = fw.planned_vs_actual("bantaeng")
        assert (plan.milestone, plan.planned, plan.actual) == (
            "independence",
            dt.date(2014, 3, 25),
            None,
        )
        assert [c.id for c in fw.overdue(dt.date(2015, 12, 31))] == [
            "lbk-dukungan-pemda",
            "blr-komitmen-1",
        ]
        log = [v for v in fw.visits if v.facilitator_id == "pd-bantaeng"]
        assert len(log) == 24
        assert fw.caseload("pd-bantaeng", dt.date(2013, 6, 1)).group_ids == ("BTG-K01", "BTG-K02")

    def test_events_come_back_unchanged_from_a_document(self, tmp_path: Path) -> None:
        program = _load("fieldwork_events").build()
        again = klaster.loads(klaster.dumps(program))
        assert again == program
        assert list(again.fieldwork.activities) == list(program.fieldwork.activities)
        assert list(again.fieldwork.visits) == list(program.fieldwork.visits)
        assert again.fieldwork.plans == program.fieldwork.plans
        assert list(again.fieldwork.commitments) == list(program.fieldwork.commitments)
        assert list(again.people) == list(program.people)
        boards = {c.id: c.board for c in program.clusters["blora"].cooperatives}
        assert {c.id: c.board for c in again.clusters["blora"].cooperatives} == boards

    def test_events_come_back_unchanged_from_the_store(self, tmp_path: Path) -> None:
        from klaster.store import Store

        program = _load("fieldwork_events").build()
        with Store.create(tmp_path / "events.klaster", program) as store:
            loaded = store.load_program()
        assert loaded == program
        assert list(loaded.fieldwork.visits) == list(program.fieldwork.visits)
        assert list(loaded.people) == list(program.people)

    def test_the_script_writes_the_document(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = tmp_path / "events.json"
        assert _load("fieldwork_events").main(["fieldwork_events.py", str(out)]) == 0
        printed = capsys.readouterr().out
        assert "10 activities, 25 mentoring visits" in printed
        assert "plan bantaeng independence: 2014-03-25 -> None" in printed
        assert klaster.load(out) == klaster.load(EXAMPLES / "data" / "fieldwork.json")
        # Officials and facilitators appear by ID only.
        program = klaster.load(out)
        assert not any(p.name in printed for p in program.people)


@pytest.fixture(scope="module")
def outcome() -> Any:
    """What examples/budget_lebak.py builds (once: it takes about a second)."""
    return _load("budget_lebak").build()


class TestBudgetLebak:
    """The Lebak cluster's Rp 1.7 billion (examples/budget_lebak.py)."""

    def test_bundled_files_are_what_the_example_makes(self, outcome: Any, tmp_path: Path) -> None:
        example = sys.modules["budget_lebak"]
        book_path, csv_path = example.write(outcome, tmp_path)
        data = EXAMPLES / "data"
        assert book_path.read_bytes() == (data / book_path.name).read_bytes()
        assert csv_path.read_bytes() == (data / csv_path.name).read_bytes()
        # The CSV is the current budget, as the budget reader reads it back.
        assert read_budget_csv(data / csv_path.name) == outcome.book.budget.current.lines
        (again,) = load_books(data / book_path.name, outcome.program)
        assert again == outcome.book

    def test_the_budget_is_the_reported_total(self, outcome: Any) -> None:
        budget = outcome.book.budget
        assert [r.reason.split(" / ")[1] for r in budget.revisions] == [
            "initial budget",
            "mid-term review",
        ]
        assert all(r.total == Decimal(1_700_000_000) for r in budget.revisions)
        assert outcome.by_component.budget == Decimal(1_700_000_000)
        assert outcome.by_year.budget == Decimal(1_700_000_000)
        # Every line the reports do not give is marked synthetic.
        assert all(line.note == "synthetic split" for line in budget.current.lines)

    def test_budget_vs_actual_is_a_recomputation_from_the_ledger(self, outcome: Any) -> None:
        book = outcome.book
        source = {fund.id: fund.source for fund in book.funds}
        by_key: dict[tuple[str, str], Decimal] = {}
        by_year: dict[int, Decimal] = {}
        for entry in book.ledger:
            (posting,) = entry.postings
            if entry.kind is EntryKind.FUNDING and posting.credit.kind is AccountKind.CAPITAL:
                component = "capital"
            elif entry.kind in (EntryKind.GRANT, EntryKind.IN_KIND, EntryKind.EXPENSE):
                component = posting.debit.ref
            else:
                continue  # loans, repayments and money held for spending are not spent
            key = (component, source[entry.fund_id].value)
            by_key[key] = by_key.get(key, Decimal(0)) + posting.amount
            by_year[entry.on.year] = by_year.get(entry.on.year, Decimal(0)) + posting.amount
        rows = {(r.component.value, r.source.value): r.actual for r in outcome.by_component.rows}
        assert rows == by_key
        assert {r.start.year: r.actual for r in outcome.by_year.rows} == by_year
        total = sum(by_key.values(), Decimal(0))
        assert outcome.by_component.actual == outcome.by_year.actual == total
        budgeted: dict[tuple[str, str], Decimal] = {}
        for line in book.budget.current.lines:
            key = (line.component.value, line.source.value)
            budgeted[key] = budgeted.get(key, Decimal(0)) + line.amount
        assert {
            (r.component.value, r.source.value): r.budget for r in outcome.by_component.rows
        } == budgeted
        assert outcome.by_component.members_served == 324
        if importlib.util.find_spec("polars") is not None:  # the columnar path: same figures
            polars = budget_vs_actual(book, by=("component", "source"), engine="polars")
            assert polars.rows == outcome.by_component.rows
        assert outcome.by_component.cost_per_member == round_rupiah(total / 324)
        # The amil's share stays within one eighth of the zakat received.
        received = sum(
            (
                e.amount
                for e in book.ledger
                if e.kind is EntryKind.FUNDING and e.fund_id == "LBK-ZKT"
            ),
            Decimal(0),
        )
        amil = sum((s.amount for s in book.spendings if s.asnaf is Asnaf.AMIL), Decimal(0))
        assert 0 < amil <= received / 8

    def test_the_refused_grant_wrote_nothing(self, outcome: Any) -> None:
        book, refused = outcome.book, outcome.refused
        assert outcome.refusal.rule == "zakat-asnaf"
        assert refused.asnaf is None
        assert refused.id not in book.spendings
        assert all(entry.spending_id != refused.id for entry in book.ledger)
        # Tried again on the finished book: refused again, nothing changes.
        later = attrs.evolve(refused, on=book.ledger[-1].on)
        before = (len(book.ledger), book.spendings.ids(), book.cash("LBK-ZKT"))
        with pytest.raises(FinanceRuleError, match=r"\[zakat-asnaf\]"):
            book.spend(later)
        assert (len(book.ledger), book.spendings.ids(), book.cash("LBK-ZKT")) == before
        # Every zakat grant that got in names its asnaf.
        zakat = [s for s in book.spendings if s.fund_id == "LBK-ZKT"]
        assert zakat
        assert all(s.asnaf is not None for s in zakat)

    def test_results_against_targets(self, outcome: Any) -> None:
        status = {(r.indicator, dict(r.by).get("sector")): r.status for r in outcome.targets}
        assert status[("groups", None)] is TargetStatus.ACHIEVED
        assert status[("members", None)] is TargetStatus.ACHIEVED
        assert status[("income_change_pct", "farming")] is TargetStatus.ACHIEVED
        assert status[("income_change_pct", None)] is TargetStatus.OFF_TRACK

    def test_the_script_prints_and_writes(
        self, outcome: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        example = _load("budget_lebak")
        assert example.main(["budget_lebak.py", str(tmp_path)]) == 0
        printed = capsys.readouterr().out
        assert "SYNTHETIC" in printed
        assert "Total anggaran / Total budget: Rp 1.700.000.000" in printed
        assert "[zakat-asnaf]" in printed
        assert "Biaya per mitra / Cost per member: Rp " in printed
        assert (tmp_path / "lebak_budget.finance.json").exists()
        # Members appear by ID only.
        assert not any(m.name in printed for m in outcome.program.members())


@pytest.fixture(scope="module")
def targeting(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _load("bantaeng_targeting").run(tmp_path_factory.mktemp("targeting"))


class TestBantaengTargeting:
    """The worked example of docs/targeting.md (examples/bantaeng_targeting.py)."""

    def test_where(self, targeting: Any) -> None:
        assert targeting.ranking.selected == ("73.03.05", "73.03.01", "73.03.02")
        (choice,) = targeting.program.locations
        assert choice.id == "btg-kecamatan-2011"
        assert choice.chosen == ("73.03.05", "73.03.01", "73.03.02", "73.03.03")
        cluster = targeting.program.clusters["bantaeng"]
        assert {s.sector: s.areas for s in cluster.sectors} == {
            "umkm": ("Bantaeng", "Bissappu"),
            "farming": ("Eremerasa",),
            "livestock": ("Pajukukang",),
        }

    def test_whom(self, targeting: Any) -> None:
        intake = targeting.program.intake
        assert len(intake.applicants) == 40  # the Kobo screening export
        assert targeting.screening.eligible_ids() == (
            "APL-0001", "APL-0006", "APL-0021", "APL-0022", "APL-0029", "APL-0030", "APL-0032",
        )  # fmt: skip
        statuses = Counter(intake.status(a.id).value for a in intake.applicants)
        assert statuses == {"enrolled": 6, "not_eligible": 33, "waitlisted": 1}
        # The poorest first: of the three eligible for farming, the one with the most waits.
        assert intake.status("APL-0021").value == "waitlisted"
        # Every member links back to its application, and groups are full, not over.
        for member in targeting.program.members():
            assert intake.member_of(member.application_id) == member.id
        groups = targeting.program.clusters["bantaeng"].groups
        assert [len(g.memberships) for g in groups] == [2, 2, 2]

    def test_the_figures_of_the_docs(self, targeting: Any) -> None:
        errors = targeting.errors
        inclusion = errors.total("inclusion_error")
        exclusion = errors.total("exclusion_error")
        assert (inclusion.numerator, inclusion.denominator, inclusion.share) == (
            1,
            5,
            Decimal("0.2000"),
        )
        assert (exclusion.numerator, exclusion.denominator, exclusion.share) == (
            6,
            9,
            Decimal("0.6667"),
        )
        at_baseline = targeting.at_baseline.total("inclusion_error")
        assert (at_baseline.numerator, at_baseline.denominator) == (1, 6)
        statuses, failed = _load("bantaeng_targeting").left_out(targeting)
        assert statuses == {"not_eligible": 5, "waitlisted": 1}
        assert failed == {"housing": 3, "livestock_has_animal_space": 2, "asnaf_zakat": 1}
        # The docs show the summary the script prints, figure for figure.
        text = (EXAMPLES.parent / "docs" / "targeting.md").read_text(encoding="utf-8")
        summary = _load("bantaeng_targeting").summary(targeting)
        assert f"```text\n{summary}\n```" in text

    def test_the_script_writes_only_into_its_folder(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def tree() -> dict[str, int]:
            return {
                str(p): p.stat().st_mtime_ns
                for p in EXAMPLES.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            }

        before = tree()
        out, elsewhere = tmp_path / "out", tmp_path / "cwd"
        out.mkdir()
        elsewhere.mkdir()
        monkeypatch.chdir(elsewhere)
        example = _load("bantaeng_targeting")
        assert example.main(["bantaeng_targeting.py", str(out)]) == 0
        assert tree() == before
        assert list(elsewhere.iterdir()) == []
        assert sorted(p.name for p in out.iterdir()) == [
            "bantaeng_targeting.json",
            "targeting_errors.csv",
            "verification.csv",
        ]
        printed = capsys.readouterr().out
        assert "kecamatan chosen: Pajukukang, Bissappu, Bantaeng, Eremerasa" in printed
        assert "Exclusion error: 0.6667 (6 of 9)" in printed
        # The document holds the applicants, decisions and the choice.
        program = klaster.load(out / "bantaeng_targeting.json")
        assert len(program.intake.decisions) == 40 + 7  # screened, then enrolled or waitlisted
        assert len(program.locations) == 1
        # Applicants and members appear by ID and count only.
        assert not any(a.name in printed for a in program.intake.applicants)

    def test_usage(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        example = _load("bantaeng_targeting")
        assert example.main(["bantaeng_targeting.py"]) == 2
        assert example.main(["bantaeng_targeting.py", str(tmp_path / "none")]) == 2
        assert "not a folder" in capsys.readouterr().err


class TestParquetFiles:
    def test_writes_reads_and_reports_the_same_program(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        pytest.importorskip("polars")
        example = _load("parquet_files")
        assert example.main(["parquet_files.py", str(tmp_path)]) == 0
        printed = capsys.readouterr().out
        assert (tmp_path / "bantaeng.parquet").read_bytes()[:4] == b"PAR1"
        assert (tmp_path / "bantaeng.observations.parquet").read_bytes()[:4] == b"PAR1"
        # The figures of the Parquet files are those of the bundled JSON files.
        assert "income_per_capita endline {'sector': 'umkm'} 428906.25" in printed
        assert "members baseline {'sector': 'umkm'} 119" in printed
