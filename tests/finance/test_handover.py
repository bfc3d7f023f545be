"""The asset register and the handover at independence, with its lifecycle move."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from klaster import CheckResult, LegalStatus, LifecycleError, Override, Phase, ReadinessError
from klaster.errors import ValidationError
from klaster.finance import (
    Asset,
    AssetEvent,
    AssetRegister,
    AssetStatus,
    DateOrderError,
    Finance,
    Fund,
    HandoverError,
    HandoverItemKind,
    Party,
    UnknownRecordError,
    hand_over,
)
from klaster.finance.testing import PROGRAM, START, fingerprint, make_book, make_cluster, qard

EXIT = dt.date(2014, 3, 6)
TERNAK = {"GOAT-1": "ternak"}  # the goats serve livestock: they go to the livestock cooperative


def goats(asset_id: str = "GOAT-1", quantity: int = 10) -> Asset:
    return Asset(
        asset_id,
        "livestock",
        "Kambing etawa",
        quantity,
        15_000_000,
        START,
        Party.group("G-1"),
        Party.program(PROGRAM),
        unit="ekor",
        sector="livestock",
    )


def ready_book() -> Finance:
    book = make_book(5_000_000)
    book.disburse(qard("L-1"))
    book.repay("L-1", dt.date(2012, 2, 9), 100_000)
    book.assets.add(goats())
    book.assets.add(
        Asset(
            "SHED",
            "building",
            "Kandang",
            1,
            40_000_000,
            START,
            Party.program(PROGRAM),
            Party.program(PROGRAM),
        )
    )
    return book


class TestAssetRegister:
    def test_births_deaths_sales_and_state_by_date(self) -> None:
        reg = AssetRegister([goats()])
        reg.record(AssetEvent("GOAT-1", dt.date(2012, 6, 1), "born", 18_000_000, 3))
        reg.record(AssetEvent("GOAT-1", dt.date(2012, 9, 1), "died", 16_500_000, -1))
        reg.record(
            AssetEvent("GOAT-1", dt.date(2012, 10, 1), "sold", 9_000_000, -5, proceeds=7_000_000)
        )
        reg.record(
            AssetEvent(
                "GOAT-1",
                dt.date(2012, 11, 1),
                "transferred",
                9_000_000,
                custodian=Party.member("M-1"),
            )
        )
        assert reg.state("GOAT-1").quantity == 7
        assert reg.state("GOAT-1", dt.date(2012, 7, 1)).quantity == 13
        assert reg.state("GOAT-1").custodian == Party.member("M-1")
        assert reg.total_value(Party.program(PROGRAM)) == 9_000_000
        reg.record(AssetEvent("GOAT-1", dt.date(2013, 1, 1), "sold", 0, -7, proceeds=9_000_000))
        assert reg.state("GOAT-1").status is AssetStatus.GONE
        assert AssetRegister(reg.assets, reg.events) == reg

    def test_refusals_leave_the_register_unchanged(self) -> None:
        reg = AssetRegister(
            [
                goats(),
                Asset(
                    "MESIN",
                    "equipment",
                    "Mesin",
                    1,
                    1,
                    START,
                    Party.group("G-1"),
                    Party.program(PROGRAM),
                ),
            ]
        )
        before = reg.events
        with pytest.raises(ValidationError, match="only livestock is born"):
            reg.record(AssetEvent("MESIN", dt.date(2012, 6, 1), "born", 1, 1))
        with pytest.raises(ValidationError, match="has 10"):
            reg.record(AssetEvent("GOAT-1", dt.date(2012, 6, 1), "died", 1, -11))
        with pytest.raises(DateOrderError):
            reg.record(AssetEvent("GOAT-1", dt.date(2011, 6, 1), "revalued", 1))
        with pytest.raises(UnknownRecordError):
            reg.record(AssetEvent("SAPI", dt.date(2012, 6, 1), "revalued", 1))
        with pytest.raises(ValidationError, match="duplicate ID"):
            reg.add(goats())
        assert reg.events == before

    @pytest.mark.parametrize(
        ("kwargs", "fragment"),
        [
            ({"kind": "born", "quantity_change": 0}, "at least one head"),
            ({"kind": "died", "quantity_change": 1}, "negative change"),
            ({"kind": "transferred"}, "new custodian or owner"),
            ({"kind": "revalued", "proceeds": 5}, "only a sale"),
        ],
    )
    def test_event_rules(self, kwargs: dict[str, object], fragment: str) -> None:
        fields: dict[str, object] = {"asset_id": "A", "on": START, "value": 1, **kwargs}
        with pytest.raises(ValidationError, match=fragment):
            AssetEvent(**fields)  # type: ignore[arg-type]

    def test_owner_is_program_or_cooperative(self) -> None:
        with pytest.raises(ValidationError, match="owned by the program or a cooperative"):
            attrs.evolve(goats(), owner=Party.member("M-1"))


class TestHandover:
    def test_everything_goes_and_the_cluster_moves(self) -> None:
        cluster, book = make_cluster(), ready_book()
        handover, change = hand_over(
            cluster,
            book,
            "coop",
            EXIT,
            handover_id="H-1",
            decided_by="Dompet Dhuafa",
            recipients={"GOAT-1": "ternak"},
        )
        assert cluster.phase is Phase.INDEPENDENCE
        assert change.on == EXIT
        assert "H-1" in change.reason
        assert [c.name for c in change.checks] == [
            "legal_cooperative",
            "nothing_left_with_program",
            "totals_balance",
            "handover_recorded",
        ]
        assert all(c.passed for c in change.checks)
        assert book.handover == handover
        by_kind = {(i.kind, i.ref): i for i in handover.items}
        assert by_kind[HandoverItemKind.CASH, "F-1"].amount == 5_000_000 - 1_200_000 + 100_000
        loans = by_kind[HandoverItemKind.LOANS, "F-1"]
        assert (int(loans.amount), loans.count, loans.to) == (1_100_000, 1, "coop")
        assert by_kind[HandoverItemKind.ASSET, "GOAT-1"].to == "ternak"
        assert handover.total == 3_900_000 + 1_100_000 + 15_000_000 + 40_000_000
        assert handover.total_to("ternak") == 15_000_000
        # Custody: the program's shed goes to the cooperative; the group keeps the goats.
        assert book.assets.state("SHED").custodian == Party.cooperative("coop")
        assert book.assets.state("GOAT-1").custodian == Party.group("G-1")
        assert book.assets.state("GOAT-1").owner == Party.cooperative("ternak")
        assert book.holder_of("F-1") == Party.cooperative("coop")
        assert book.holder_of("F-1", dt.date(2014, 3, 5)) == Party.program(PROGRAM)

    def test_the_ledger_keeps_working_under_the_cooperative(self) -> None:
        cluster, book = make_cluster(), ready_book()
        hand_over(
            cluster, book, "coop", EXIT, handover_id="H-1", decided_by="DD", recipients=TERNAK
        )
        book.repay("L-1", dt.date(2014, 3, 10), 100_000)
        book.deposit_savings("F-1", "M-1", "wajib", dt.date(2014, 3, 10), 10_000)
        book.disburse(qard("L-2", disbursed_on=dt.date(2014, 4, 1)))
        assert book.savings("F-1", "M-1", "wajib") == 10_000
        with pytest.raises(HandoverError, match="new funds are a cooperative's"):
            book.add_fund(Fund("F-2", "x", "zakat", Party.program(PROGRAM), EXIT))
        book.check()

    def test_refuses_a_cooperative_without_legal_status(self) -> None:
        cluster, book = make_cluster(legal=False), ready_book()
        history, before = cluster.lifecycle.history, fingerprint(book)
        with pytest.raises(HandoverError, match="no legal status") as info:
            hand_over(
                cluster, book, "coop", EXIT, handover_id="H-1", decided_by="DD", recipients=TERNAK
            )
        assert "Nama" not in str(info.value)  # IDs only
        assert cluster.lifecycle.history == history
        assert fingerprint(book) == before
        # Legal, but only after the closing workshop: still refused on that day.
        coop = cluster.cooperatives["coop"]
        cluster.replace_cooperative(
            attrs.evolve(coop, legal=LegalStatus("BH/9", dt.date(2014, 4, 1)))
        )
        with pytest.raises(HandoverError, match="no legal status"):
            hand_over(
                cluster, book, "coop", EXIT, handover_id="H-1", decided_by="DD", recipients=TERNAK
            )

    def test_refuses_a_second_handover(self) -> None:
        cluster, book = make_cluster(), ready_book()
        hand_over(
            cluster, book, "coop", EXIT, handover_id="H-1", decided_by="DD", recipients=TERNAK
        )
        before = fingerprint(book)
        with pytest.raises(HandoverError, match="already handed over on 2014-03-06"):
            hand_over(
                cluster, book, "coop", dt.date(2014, 4, 1), handover_id="H-2", decided_by="DD"
            )
        assert fingerprint(book) == before

    def test_a_failed_lifecycle_move_records_nothing(self) -> None:
        cluster, book = make_cluster(phase="growth"), ready_book()
        before = fingerprint(book)
        with pytest.raises(LifecycleError, match="cannot move from growth to independence"):
            hand_over(
                cluster, book, "coop", EXIT, handover_id="H-1", decided_by="DD", recipients=TERNAK
            )
        assert fingerprint(book) == before
        assert book.handover is None
        # A failed readiness guard without an override: nothing recorded either.
        cluster = make_cluster()

        def groups_active(_cluster: object, _on: dt.date) -> list[CheckResult]:
            return [CheckResult("groups_active", False, "0 of 1 groups active")]

        with pytest.raises(ReadinessError):
            hand_over(
                cluster,
                book,
                "coop",
                EXIT,
                handover_id="H-1",
                decided_by="DD",
                recipients=TERNAK,
                guards=[groups_active],
            )
        assert fingerprint(book) == before
        assert cluster.phase is Phase.STRENGTHENING
        _, change = hand_over(
            cluster,
            book,
            "coop",
            EXIT,
            handover_id="H-1",
            decided_by="DD",
            recipients=TERNAK,
            guards=[groups_active],
            override=Override("ok", "director"),
        )
        assert change.failed_checks[0].name == "groups_active"

    def test_other_refusals(self) -> None:
        cluster, book = make_cluster(), ready_book()
        before = fingerprint(book)
        with pytest.raises(HandoverError, match="no cooperative 'kud'"):
            hand_over(cluster, book, "kud", EXIT, handover_id="H-1", decided_by="DD")
        with pytest.raises(ValidationError, match="no fund or asset"):
            hand_over(
                cluster,
                book,
                "coop",
                EXIT,
                handover_id="H-1",
                decided_by="DD",
                recipients={"SAPI": "ternak"},
            )
        with pytest.raises(HandoverError, match="before the last ledger entry"):
            hand_over(
                cluster, book, "coop", dt.date(2012, 1, 1), handover_id="H-1", decided_by="DD"
            )
        other = attrs.evolve(make_cluster(), id="blora")
        with pytest.raises(ValidationError, match="belongs to cluster 'lebak'"):
            hand_over(other, book, "coop", EXIT, handover_id="H-1", decided_by="DD")
        assert fingerprint(book) == before
        assert cluster.phase is Phase.STRENGTHENING
