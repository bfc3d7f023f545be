"""Programs and clusters in a notebook: IDs and counts, never a wall of members or a name."""

from __future__ import annotations

from pathlib import Path

import pytest

import klaster

DATA = Path(__file__).resolve().parents[2] / "examples" / "data" / "bantaeng.json"


@pytest.fixture(scope="module")
def program() -> klaster.Program:
    return klaster.load(DATA)


class TestRepr:
    def test_program(self, program: klaster.Program) -> None:
        assert repr(program) == "Program('klaster-mandiri', 1 cluster (bantaeng), 190 members)"

    def test_cluster(self, program: klaster.Program) -> None:
        assert repr(program.clusters["bantaeng"]) == (
            "Cluster('bantaeng', independence, umkm, 190 members, 34 groups, 1 cooperative)"
        )

    def test_no_member_is_named(self, program: klaster.Program) -> None:
        cluster = program.clusters["bantaeng"]
        texts = (repr(program), program._repr_html_(), cluster._repr_html_("id"))
        for member in cluster.members:
            assert all(member.name not in text for text in texts)


class TestHtml:
    def test_program_lines_and_labelled_total(
        self, program: klaster.Program, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("KLASTER_LANG", "id")
        html = program._repr_html_()
        assert "<th>Tahap</th>" in html
        assert "<td>Pemandirian</td>" in html
        assert "<td>Jumlah</td>" in html
        assert "25 Mar 2014" in html

    def test_english_and_escaped(self, program: klaster.Program) -> None:
        html = program.clusters["bantaeng"]._repr_html_("en")
        assert "<td>Independence</td>" in html
        assert "Mar 25, 2014" in html
        renamed = klaster.load(DATA)
        renamed.name = "<script>x</script>"
        assert "<script>" not in renamed._repr_html_()
        assert "&lt;script&gt;" in renamed._repr_html_()
