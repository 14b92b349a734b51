"""The statistical name model: names without cues, clinical words that are no names, and its data."""

from __future__ import annotations

import itertools
import random

import pytest

from benchmarks.deid.corpus import evaluate, load, phrases
from node.anonymization.analyzer import TextAnalyzer
from node.anonymization.recognizers.lexicon import COMPOUND, SINGLE
from node.anonymization.recognizers.name_model import NameModel, given_name_counts, surname_shares


@pytest.fixture(scope="module")
def model() -> NameModel:
    return NameModel.packaged()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("婚育史：适龄结婚，爱人李秀芝体健。", "李秀芝"),
        ("18床王淑芬今晨空腹血糖7.8mmol/L。", "王淑芬"),
        ("与孙国强通话，其表示理解。", "孙国强"),
        ("据刘桂珍回忆，患者昨晚曾呕吐一次。", "刘桂珍"),
        ("嘱周桂香按时服药。", "周桂香"),
        # a common word (常青, 魏巍) where a co-verb, a title or a person's verb (沟通, 否认) surrounds it
        ("经与常青沟通，家属同意转入ICU。", "常青"),
        ("请方圆医生会诊，协助诊治。", "方圆"),
        # a function-word surname before a person's verb; a name jieba lists as a three-character word
        ("被访者曾黎否认近期发热。", "曾黎"),
        ("患方代表张国庆要求复印病历。", "张国庆"),
        # what only a patient does, with a time word between (出院, 突发)
        ("黄润泽出院后由社区卫生服务中心随访。", "黄润泽"),
        ("许苗苗拨打120后由救护车送入我院。", "许苗苗"),
    ],
)
def test_names_without_a_cue(model: NameModel, text: str, name: str) -> None:
    assert [text[s:e] for s, e in model.find(text)] == [name]


@pytest.mark.parametrize(
    "text",
    [
        "引流管通畅，引流出淡血性液体约30ml。",
        "冷敷后肿胀减轻。",
        "林格液500ml静滴。",
        "黄绿色脓痰，量中等。",
        "华法林抗凝，监测INR。",
        "患者于今晨安返病房。",
        "腹平软，全腹无压痛。",
        "毛发：正常",
        "患者常感乏力。",
        # transliterated drugs (唑, 仑 follow); a three-character dictionary "name" that is a vegetable
        "予艾司唑仑1mg口服后入睡。",
        "雷贝拉唑20mg口服qd。",
        "饮食以胡萝卜、青菜为主。",
        "经与华山医院神经内科沟通，同意接收转诊。",
    ],
)
def test_clinical_words_led_by_surnames_are_words(model: NameModel, text: str) -> None:
    assert model.find(text) == []


def test_segmentation_covers_each_run_exactly(model: NameModel) -> None:
    rng = random.Random(4)
    alphabet = "王李张高明安方常时和于向全程白黄金石马龙钟患者医生查看血压治疗出院复查的了"
    for _ in range(200):
        run = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        spans = model.segment(run, 0, len(run))
        assert spans[0][0] == 0 and spans[-1][1] == len(run)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))


def test_packaged_statistics() -> None:
    counts = given_name_counts()
    assert len(counts) == 9442 and sum(counts.values()) == 32_067_566  # ngender's table, unchanged
    shares = surname_shares()
    assert set(shares) == set(SINGLE) | set(COMPOUND)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["王"] > shares["李"] > shares["高"] > shares["萧"]


def test_name_free_clinical_sentences(analyzer: TextAnalyzer) -> None:
    flagged = [t for t in phrases("nameless_notes") if any(e.type == "PERSON" for e in analyzer.analyze(t))]
    assert flagged == []  # 131 sentences dense in surname characters (全家同意, 经与单位协商, 石家庄市)


def test_a_title_after_punctuation_cues_no_name(analyzer: TextAnalyzer) -> None:
    text = "今日查房，患者诉胸闷较前好转。"  # 患者 follows the comma, not 查房
    assert [e for e in analyzer.analyze(text) if e.type == "PERSON"] == []


def test_a_form_field_ends_at_a_full_width_space(analyzer: TextAnalyzer) -> None:
    text = "预约人：高原　预约时间：2026-12-01"  # 高原 is also a common word ("plateau")
    assert [text[e.start : e.end] for e in analyzer.analyze(text) if e.type == "PERSON"] == ["高原"]


def test_a_word_ending_in_a_surname_character_is_no_name(analyzer: TextAnalyzer) -> None:
    text = "化验单上患者姓名为程浩，与腕带信息一致。"
    assert [(e.type, text[e.start : e.end]) for e in analyzer.analyze(text)] == [("PERSON", "程浩")]


def test_development_set_regression_floor(analyzer: TextAnalyzer) -> None:
    # tuned against: a floor that catches regressions, not a measure of unseen recall
    report = evaluate(load("development", 200), analyzer.analyze)
    assert report["PERSON"]["recall"] >= 0.97 and report["PERSON"]["precision"] >= 0.99, report["PERSON"]


def test_a_name_keeps_its_reading_within_a_document(analyzer: TextAnalyzer) -> None:
    text = "患者夏天，女，45岁，因腹痛入院。夏天自诉右上腹隐痛3天。入院时夏天气温高。"
    spans = [(e.start, text[e.start : e.end]) for e in analyzer.analyze(text) if e.type == "PERSON"]
    # the cued first mention carries to the uncued second; 夏天气温 (summer temperature) stays a word
    assert spans == [(2, "夏天"), (17, "夏天")]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("护士长寿闪闪检查病房后提出整改意见。", "寿闪闪"),  # 长寿 is also a district: the title wins
        ("夏天老伴诉其夜间打鼾明显。", "夏天"),  # a relative right after the name, no 的
        ("田野一家三口均有类似症状。", "田野"),
        ("委托何经纬代为办理出院结算。", "何经纬"),
        ("许久（证件号码11010519491231002X）已办理入院登记。", "许久"),  # 许久: "for a long time"
    ],
)
def test_titles_and_identifiers_around_a_name(analyzer: TextAnalyzer, text: str, name: str) -> None:
    assert [text[e.start : e.end] for e in analyzer.analyze(text) if e.type == "PERSON"] == [name]


def test_the_lexicon_and_the_model_import_no_recognizer() -> None:
    import ast
    from pathlib import Path

    from node.anonymization.recognizers import lexicon, name_model

    for module in (lexicon, name_model):
        tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {
            f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names
        }
        assert not any(m and m.endswith("recognizers.names") for m in imported), module.__name__
