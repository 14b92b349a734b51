"""The evaluation sets are data, and what writes the held-out sets knows nothing of the recognizers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from benchmarks.deid import corpus, fresh_v15, markup, relabel_titles, relabel_tuned

DEID = Path(corpus.__file__).parent


def test_held_out_generators_import_no_recognizer_nor_prior() -> None:
    for path in DEID.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + [
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        ]
        assert not [m for m in imported if m.split(".")[0] in ("node", "connectors")], (path.name, imported)


def test_every_set_is_there_with_spans_inside_its_text() -> None:
    for name in (*corpus.HELD_OUT, "tuned", "development"):
        docs = corpus.load(name)
        assert len(docs) >= (150 if name in corpus.HAND_WRITTEN else 600), name
        for d in docs[:50]:
            assert all(0 <= s < e <= len(d.text) for _, s, e in d.entities), name


def test_the_fresh_set_on_disk_is_what_its_generator_writes() -> None:
    on_disk = corpus.load("held_out_v15")
    assert [d.as_json() for d in fresh_v15.build()] == [d.as_json() for d in on_disk]
    types = {t for d in on_disk for t, _, _ in d.entities}
    assert {"CN_INSURANCE_POLICY", "CN_MEDICAL_INSURANCE_CARD", "ORGANIZATION", "US_SSN"} <= types
    assert any("·" in d.text[s:e] for d in on_disk for t, s, e in d.entities if t == "PERSON")


def test_the_hand_written_sets_on_disk_are_their_marked_up_sources() -> None:
    assert corpus.FRESH in corpus.HAND_WRITTEN
    for name in corpus.HAND_WRITTEN:
        on_disk = corpus.load(name)
        assert [d.as_json() for d in markup.convert(name)] == [d.as_json() for d in on_disk], name
        spans = [d.text[s:e] for d in on_disk for _, s, e in d.entities]
        assert len(on_disk) >= 220 and len(spans) >= 550, name
        assert not [x for x in spans if "{" in x or "|" in x or x != x.strip()], name


def test_markup_refuses_a_wrong_check_digit() -> None:
    assert markup.check("CN_ID_CARD", "500106 19850214 3318") is None
    assert (
        markup.check("CN_ID_CARD", "500106 19850214 3319")
        == "ID 500106 19850214 3319: check digit should be 8"
    )
    assert markup.check("BANK_CARD", "6228480478123456785") is not None


@pytest.mark.parametrize(
    "block",
    [
        "患者{P 张三}来诊，电话{TEL|13800000000}",
        "{P|张三，电话{TEL|13800000000}",
        "患者P|张三}来诊",
        "住院号{MRN:123}",
    ],
)
def test_markup_refuses_a_broken_entity_anywhere_in_a_document(block: str) -> None:
    with pytest.raises(ValueError, match="broken entity markup"):
        markup.parse(block, "t")


def test_markup_keeps_literal_braces_of_a_json_sample() -> None:
    d = markup.parse('报文 {"id": 1, "ok": true} 由{P|李}医生发送', "t")
    at = d.text.index("李")
    assert d.text == '报文 {"id": 1, "ok": true} 由李医生发送\n' and d.entities == [("PERSON", at, at + 1)]


def test_the_tuned_corpus_carries_the_current_labels_and_relabelling_is_idempotent() -> None:
    doc = corpus.Document("claim").add("开户行：").ent("LOCATION", "成都").add("农商银行武侯支行 保单号")
    doc.add("PA2023CQ000187654。")
    relabelled = relabel_tuned.relabel(doc)
    assert [(t, doc.text[s:e]) for t, s, e in relabelled.entities] == [
        ("ORGANIZATION", "成都农商银行武侯支行"),
        ("CN_INSURANCE_POLICY", "PA2023CQ000187654"),
    ]
    on_disk = corpus.load("tuned")
    assert [relabel_tuned.relabel(d).as_json() for d in on_disk] == [d.as_json() for d in on_disk]


def test_titles_stay_outside_person_spans_in_every_hand_written_set() -> None:
    assert relabel_titles.relabel("{P|罗医生}查房，{P|欧阳}主任") == "{P|罗}医生查房，{P|欧阳}主任"
    assert relabel_titles.relabel("{P|医生}") == "{P|医生}"  # a bare title is left as written
    for name in corpus.HAND_WRITTEN:
        source = (corpus.DATA / f"{name}.txt").read_text(encoding="utf-8")
        assert relabel_titles.relabel(source) == source, name
