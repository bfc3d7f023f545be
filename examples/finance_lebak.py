"""A finance book modelled on the Lebak cluster: Rp 1.7 billion rolled through 32 groups of mitra.

The seed report (Workshop Akhir, Lebak, Thursday 6 March 2014) says Dompet Dhuafa rolled
Rp 1.7 billion (*digulirkan*) through 32 groups of 324 mitra in UMKM, farming and livestock, and
that the mitra formed three cooperatives with legal status. The figures below the program level
(loan sizes, who pays late, the goats) are invented, with a fixed seed, to show the book at work:

* two funds (zakat Rp 450 million, infaq/sadaqah Rp 550 million) lent out in two rounds, so that
  Rp 1.7 billion is disbursed from Rp 1 billion of capital (the fund revolves 1.7 times);
* qard hasan loans to UMKM mitra within their groups, murabahah loans to farmers, group loans to
  livestock groups; most pay on time, some late, a few stop paying (one written off, one
  forgiven as zakat to a *gharim*), two restructured after a flood;
* goats, a cassava-chip machine and a livestock shed in the asset register;
* the handover at the closing workshop: the funds to the sharia cooperative, the livestock assets
  to the livestock cooperative, the machine to the farmers' cooperative; repayments go on under
  the cooperative afterwards, with member savings.

Run ``python examples/finance_lebak.py``; it prints IDs and figures only, never a name.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from klaster import (
    Cluster,
    ClusterSector,
    Cooperative,
    Group,
    LegalStatus,
    Lifecycle,
    Member,
    Membership,
    Organisation,
    PhaseChange,
    Program,
    Region,
)
from klaster.finance import (
    Asset,
    AssetEvent,
    Finance,
    FinanceError,
    Fund,
    Handover,
    Loan,
    LoanStatus,
    Party,
    flat_margin,
    format_rupiah,
    hand_over,
)
from klaster.finance import load as load_books
from klaster.finance import save as save_books
from klaster.finance.portfolio import (
    Dimension,
    cumulative_repayment_rate,
    par,
    par_by,
    turnover,
)
from klaster.finance.schedule import Frequency, add_months
from klaster.finance.statements import aging, fund_statement, render_aging, render_statement

PROGRAM = "klaster-mandiri"
SEED = 2014
CLOSING_WORKSHOP = dt.date(2014, 3, 6)  # "Kamis, (6/3)": Workshop Akhir Program Klaster Mandiri
REPORT_END = dt.date(2014, 12, 31)
# 32 groups: 12 UMKM, 10 farming, 10 livestock; 324 mitra (4 groups of 11, 28 of 10).
SECTORS = ["umkm"] * 12 + ["farming"] * 10 + ["livestock"] * 10
COOPERATIVES = {"umkm": "kopsyah-lebak", "farming": "koptan-lebak", "livestock": "kopternak-lebak"}


def build_cluster() -> tuple[Program, Cluster]:
    """The Lebak cluster: 324 mitra in 32 groups, three legal cooperatives, in strengthening."""
    program = Program(
        id=PROGRAM,
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[
            Organisation("dd", "Dompet Dhuafa", "ngo"),
            Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
            Organisation("psi", "Pertanian Sehat Indonesia", "implementing_partner"),
            Organisation("ktn", "Kampoeng Ternak Nusantara", "implementing_partner"),
        ],
    )
    life = Lifecycle.start(dt.date(2010, 9, 1), reason="2010 poverty map study", decided_by="DD")
    life.advance(dt.date(2011, 3, 1), reason="socialisation, groups formed", decided_by="DD")
    life.advance(dt.date(2012, 1, 9), reason="revolving fund starts", decided_by="DD")
    cluster = Cluster(
        id="lebak",
        name="Klaster Mandiri Lebak",
        region=Region.province("Banten", "36", [Region.kabupaten("Lebak", "36.02")]),
        sectors=[
            ClusterSector("umkm", "mm"),
            ClusterSector("farming", "psi"),
            ClusterSector("livestock", "ktn"),
        ],
        lifecycle=life,
    )
    program.add_cluster(cluster)
    number = 0
    for g, sector in enumerate(SECTORS, start=1):
        size = 11 if g <= 4 else 10
        spells = []
        for _ in range(size):
            number += 1
            member_id = f"LBK-{number:04d}"
            cluster.add_member(
                Member(
                    id=member_id,
                    name=f"Mitra {number}",
                    sex="female" if number % 3 else "male",
                    household_size=4,
                    village="Lebak",
                    sector=sector,
                    joined=dt.date(2011, 3, 1),
                )
            )
            spells.append(Membership(member_id, dt.date(2011, 3, 1)))
        cluster.add_group(
            Group(f"LBK-K{g:02d}", f"Kelompok {g}", sector, dt.date(2011, 3, 1), spells)
        )
    for sector, coop_id in COOPERATIVES.items():
        members = [m.id for m in cluster.members if m.sector == sector]
        cluster.add_cooperative(
            Cooperative(
                coop_id,
                f"Koperasi {sector} Lebak",
                [sector],
                members,
                founded=dt.date(2013, 2, 1),
                legal=LegalStatus(f"BH/{coop_id}/2013", dt.date(2013, 6, 14)),
            )
        )
    return program, cluster


class Simulation:
    """Runs the book through time with a fixed seed; events are applied in date order."""

    def __init__(self, cluster: Cluster, seed: int = SEED, program: Program | None = None) -> None:
        self.cluster = cluster
        self.program = program
        self.rng = random.Random(seed)
        self.book = Finance("lebak", PROGRAM)
        self.queue: list[tuple[dt.date, int, Callable[[], None]]] = []
        self.seq = 0
        self.behaviour: dict[str, str] = {}
        self.handover: tuple[Handover, PhaseChange] | None = None
        self.today = dt.date(2012, 1, 1)

    def at(self, day: dt.date, action: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (day, self.seq, action))

    def run(self, until: dt.date) -> None:
        while self.queue and self.queue[0][0] <= until:
            self.today, _, action = heapq.heappop(self.queue)
            action()

    def open_funds(self) -> None:
        program = Party.program(PROGRAM)
        book = self.book
        book.add_fund(Fund("LBK-ZKT", "Dana bergulir zakat", "zakat", program, dt.date(2012, 1, 2)))
        book.add_fund(
            Fund("LBK-INF", "Dana bergulir infak", "infaq_sadaqah", program, dt.date(2012, 1, 2))
        )
        book.receive("LBK-ZKT", dt.date(2012, 1, 2), 450_000_000, memo="zakat DD 2011")
        book.receive("LBK-INF", dt.date(2012, 1, 2), 550_000_000, memo="infak DD 2011")

    def register_assets(self) -> None:
        program, assets = Party.program(PROGRAM), self.book.assets
        for g in range(23, 33):  # the livestock groups raise the program's goats
            group = Party.group(f"LBK-K{g:02d}")
            assets.add(
                Asset(
                    f"LBK-GOAT-{g:02d}",
                    "livestock",
                    "Kambing etawa",
                    12,
                    18_000_000,
                    dt.date(2012, 2, 1),
                    group,
                    program,
                    unit="ekor",
                    sector="livestock",
                )
            )
        assets.add(
            Asset(
                "LBK-SHED",
                "building",
                "Kandang komunal",
                1,
                45_000_000,
                dt.date(2012, 3, 1),
                Party.group("LBK-K23"),
                program,
                sector="livestock",
            )
        )
        assets.add(
            Asset(
                "LBK-CHIP",
                "equipment",
                "Mesin perajang singkong",
                1,
                12_500_000,
                dt.date(2012, 4, 1),
                Party.group("LBK-K13"),
                program,
                sector="farming",
            )
        )
        for g in range(23, 33):
            asset_id = f"LBK-GOAT-{g:02d}"
            births = self.rng.randint(2, 6)
            assets.record(
                AssetEvent(
                    asset_id, dt.date(2012, 10, 1), "born", 18_000_000 + births * 1_000_000, births
                )
            )
            if self.rng.random() < 0.3:
                value = assets.state(asset_id).value - 1_500_000
                assets.record(AssetEvent(asset_id, dt.date(2013, 1, 15), "died", value, -1))

    def disburse_round(self, day: dt.date, round_no: int) -> None:
        book = self.book
        months = {1: 10, 2: 14, 3: 10}[round_no]
        for group in self.cluster.groups:
            if group.sector == "livestock":
                loan = Loan(
                    f"LBK-P{round_no}-{group.id}",
                    "LBK-INF",
                    Party.group(group.id),
                    "murabahah",
                    20_000_000,
                    day,
                    months,
                    margin=flat_margin(
                        Decimal(20_000_000), Decimal("0.08"), months, Frequency.MONTHLY
                    ),
                    sector="livestock",
                    purpose="pakan dan kandang",
                )
                self._lend(loan)
                continue
            for member_id in group.member_ids(day):
                previous = f"LBK-P{round_no - 1}-{member_id}"
                if round_no > 1 and (
                    previous not in book.loans
                    or book.position(previous, day).status is not LoanStatus.REPAID
                ):
                    continue  # only mitra who repaid get a second loan
                if group.sector == "umkm":
                    principal = self.rng.choice([2_500_000, 3_000_000, 3_500_000])
                    loan = Loan(
                        f"LBK-P{round_no}-{member_id}",
                        "LBK-ZKT",
                        Party.member(member_id),
                        "qard_hasan",
                        principal,
                        day,
                        months,
                        group_id=group.id,
                        sector="umkm",
                    )
                else:
                    principal = 3_000_000
                    loan = Loan(
                        f"LBK-P{round_no}-{member_id}",
                        "LBK-INF",
                        Party.member(member_id),
                        "murabahah",
                        principal,
                        day,
                        months,
                        margin=flat_margin(
                            Decimal(principal), Decimal("0.06"), months, Frequency.MONTHLY
                        ),
                        group_id=group.id,
                        sector="farming",
                    )
                self._lend(loan)

    def _lend(self, loan: Loan) -> None:
        try:
            self.book.disburse(loan)
        except FinanceError:
            return  # the fund is lent out: the next mitra waits for the next round
        roll = self.rng.random()
        kind = (
            "default"
            if roll < 0.04
            else "late"
            if roll < 0.14
            else "early"
            if roll < 0.17
            else "ontime"
        )
        self.behaviour[loan.id] = kind
        for instalment in loan.schedule():
            delay = {"late": self.rng.randint(20, 75), "default": 0}.get(kind, 0)
            pay_on = instalment.due + dt.timedelta(days=delay)
            if kind == "default" and instalment.number > 3:
                break
            amount = instalment.total * (2 if kind == "early" else 1)
            self.at(pay_on, self._payer(loan.id, amount))
        if kind == "default":
            self.at(add_months(loan.first_due_date, 10), self._give_up(loan))

    def _payer(self, loan_id: str, amount: Decimal) -> Callable[[], None]:
        def pay() -> None:
            owed = self.book.position(loan_id, self.today).owed
            if owed:
                self.book.repay(loan_id, self.today, min(amount, owed))

        return pay

    def _give_up(self, loan: Loan) -> Callable[[], None]:
        def close() -> None:
            if self.book.position(loan.id, self.today).status is not LoanStatus.ACTIVE:
                return
            if loan.fund_id == "LBK-ZKT" and loan.borrower.kind.value == "member":
                self.book.convert_to_zakat(loan.id, self.today, "gharim: usaha bangkrut, sakit")
            else:
                self.book.write_off(loan.id, self.today, "macet lebih dari 180 hari")
                self.at(self.today + dt.timedelta(days=120), self._recover(loan.id))

        return close

    def _recover(self, loan_id: str) -> Callable[[], None]:
        def recover() -> None:
            written_off = self.book.position(loan_id, self.today).written_off
            self.book.recover(loan_id, self.today, max(Decimal(1), written_off // 4))

        return recover

    def flood(self) -> None:
        """A flood in January 2013: two loans behind schedule are rescheduled over 6 months."""
        day = dt.date(2013, 1, 21)
        positions = [self.book.position(loan.id, day) for loan in self.book.loans]
        late = [p for p in positions if p.outstanding > 0 and p.days_late > 0]
        for position in late[:2]:
            self.book.restructure(
                position.loan_id,
                day,
                instalments=6,
                reason="banjir Januari 2013 / January 2013 flood",
            )

    def savings(self) -> None:
        for sector, coop_id in COOPERATIVES.items():
            fund_id = f"{coop_id}-simpanan"
            self.book.add_fund(
                Fund(
                    fund_id,
                    f"Simpanan anggota {coop_id}",
                    "member_savings",
                    Party.cooperative(coop_id),
                    dt.date(2013, 7, 1),
                )
            )
            for member in self.cluster.members:
                if member.sector == sector:
                    self.book.deposit_savings(
                        fund_id, member.id, "pokok", dt.date(2013, 7, 1), 50_000
                    )

    def wajib(self) -> None:
        for coop_id in COOPERATIVES.values():
            for member_id in self.cluster.cooperatives[coop_id].member_ids:
                self.book.deposit_savings(
                    f"{coop_id}-simpanan", member_id, "wajib", dt.date(2014, 5, 5), 10_000
                )

    def close(self) -> None:
        recipients = {f"LBK-GOAT-{g:02d}": "kopternak-lebak" for g in range(23, 33)}
        recipients |= {"LBK-SHED": "kopternak-lebak", "LBK-CHIP": "koptan-lebak"}
        self.handover = hand_over(
            self.cluster,
            self.book,
            "kopsyah-lebak",
            CLOSING_WORKSHOP,
            handover_id="LBK-SERAH-2014",
            decided_by="Dompet Dhuafa",
            recipients=recipients,
            note="Workshop Akhir Program Klaster Mandiri, Lebak",
        )


def simulate(seed: int = SEED) -> Simulation:
    """Build the cluster and run the book from January 2012 to December 2014."""
    program, cluster = build_cluster()
    sim = Simulation(cluster, seed, program)
    sim.open_funds()
    sim.register_assets()
    sim.at(dt.date(2012, 1, 9), lambda: sim.disburse_round(dt.date(2012, 1, 9), 1))
    sim.at(dt.date(2013, 1, 21), sim.flood)
    sim.at(dt.date(2013, 2, 4), lambda: sim.disburse_round(dt.date(2013, 2, 4), 2))
    sim.at(dt.date(2013, 7, 1), sim.savings)
    sim.at(CLOSING_WORKSHOP, sim.close)
    # After exit the cooperative keeps the fund revolving, in the same ledger.
    sim.at(dt.date(2014, 5, 5), lambda: sim.disburse_round(dt.date(2014, 5, 5), 3))
    sim.at(dt.date(2014, 5, 5), sim.wajib)
    sim.run(REPORT_END)
    return sim


def report(sim: Simulation) -> str:
    """The finance officer's report: IDs and figures only."""
    book, lines = sim.book, []
    at_exit = CLOSING_WORKSHOP
    disbursed = turnover(book, at_exit)
    lines += [
        "Klaster Mandiri Lebak — buku keuangan / finance book",
        f"Digulirkan / Disbursed: {format_rupiah(disbursed.numerator)} to {len(book.loans)} "
        f"loans from capital {format_rupiah(disbursed.denominator)}; perputaran / turnover "
        f"{disbursed.value:.2f}x",
        "",
    ]
    for fund_id in ("LBK-ZKT", "LBK-INF"):
        lines += [render_statement(fund_statement(book, fund_id, dt.date(2012, 1, 1), at_exit)), ""]
    risk = par(book, 30, at_exit)
    lines.append(
        f"PAR30 on {at_exit}: {risk.percent}% ({risk.count} of {risk.total} loans, "
        f"{format_rupiah(risk.numerator)} of {format_rupiah(risk.denominator)})"
    )
    by_sector = par_by(book, 30, at_exit, Dimension.SECTOR)
    lines += [f"  sektor / sector {k}: {v.percent}%" for k, v in sorted(by_sector.items(), key=str)]
    worst = sorted(par_by(book, 30, at_exit, Dimension.GROUP).items(), key=lambda kv: -kv[1].value)
    lines += [f"  kelompok / group {k}: {v.percent}%" for k, v in worst[:3]]
    crr = cumulative_repayment_rate(book, at_exit)
    assert not isinstance(crr, dict)
    lines += [f"Tingkat pengembalian kumulatif / Cumulative repayment rate: {crr.percent}%", ""]
    lines += [render_aging(aging(book, at_exit)[None]), ""]
    assert sim.handover is not None
    handover, change = sim.handover
    lines.append(
        f"Serah terima / Handover {handover.id} on {handover.on}: {format_rupiah(handover.total)}"
    )
    lines += [
        f"  to {coop}: {format_rupiah(handover.total_to(coop))}" for coop in handover.recipients()
    ]
    lines += [
        f"  check {c.name}: {'ok' if c.passed else 'FAILED'} — {c.detail}" for c in change.checks
    ]
    lines += [
        f"  lifecycle: {change.phase.label_id} / {change.phase.label_en} — {change.reason}",
        "",
    ]
    after = fund_statement(book, "LBK-ZKT", at_exit + dt.timedelta(days=1), REPORT_END)
    lines += [render_statement(after)]
    return "\n".join(lines)


def round_trip(sim: Simulation) -> str:
    """Save the book to a finance document, load it back, and say whether it is the same book."""
    assert sim.program is not None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{PROGRAM}.finance.json"
        save_books(sim.book, path, program=sim.program)
        size = path.stat().st_size
        again = load_books(path, sim.program)[sim.book.cluster_id]
    same = again == sim.book and all(
        again.cash(f) == sim.book.cash(f) and again.holder_of(f) == sim.book.holder_of(f)
        for f in sim.book.funds.ids()
    )
    return (
        f"Disimpan & dibaca ulang / Saved and reloaded: {len(again.ledger)} entries, "
        f"{len(again.loans)} loans, {size:,} bytes; "
        + ("round-tripped: identical book" if same else "ROUND TRIP FAILED")
    )


def main(argv: list[str] | None = None) -> int:
    """Print the report, save and reload the book; return the exit code."""
    del argv
    sim = simulate()
    print(report(sim))
    line = round_trip(sim)
    print()
    print(line)
    return 0 if "FAILED" not in line else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
