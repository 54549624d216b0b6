"""A deterministic synthetic corpus of government-work-report text, for benchmarks.

Documents are recombined from the sentences of the seed reports in raw/*.txt:
every Arabic number is replaced by a random one of similar magnitude (same
number of decimals), four-digit years 2015-2024 are shifted consistently per
document, and the seed region (罗湖区 / 罗湖, 深圳市 / 深圳) is replaced by one
of ~40 real districts and cities. Each document has a title line, a review part
("一、<Y-1>年工作回顾") and a plan part ("二、<Y>年工作安排" with
"今年经济社会发展的主要预期目标是:"), and is 5-30 KB of UTF-8.

Deterministic: document i depends only on (seed, i) and the seed texts, so the
same arguments give byte-identical files, and the first 100 documents of a
10 000-document corpus are the 100 documents of a 100-document one.
(Changing the files in raw/ changes the corpus.)

    python bench/corpus.py OUT_DIR --docs 1000 [--seed 0]
    python bench/corpus.py OUT_DIR --mb 50
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))
    sys.path.insert(0, str(PROJECT_DIR / "src"))

SEED_DIR = PROJECT_DIR / "raw"
MB = 1_000_000  # target sizes are in decimal megabytes of UTF-8
MIN_DOC_BYTES, MAX_DOC_BYTES = 5_000, 30_000
FIRST_YEAR, LAST_YEAR = 2015, 2024  # years in this range are shifted

# (district or city, short name, prefecture city, its short name)
REGIONS: tuple[tuple[str, str, str, str], ...] = (
    ("罗湖区", "罗湖", "深圳市", "深圳"),
    ("福田区", "福田", "深圳市", "深圳"),
    ("南山区", "南山", "深圳市", "深圳"),
    ("宝安区", "宝安", "深圳市", "深圳"),
    ("龙岗区", "龙岗", "深圳市", "深圳"),
    ("盐田区", "盐田", "深圳市", "深圳"),
    ("武侯区", "武侯", "成都市", "成都"),
    ("锦江区", "锦江", "成都市", "成都"),
    ("青羊区", "青羊", "成都市", "成都"),
    ("鼓楼区", "鼓楼", "南京市", "南京"),
    ("玄武区", "玄武", "南京市", "南京"),
    ("秦淮区", "秦淮", "南京市", "南京"),
    ("海淀区", "海淀", "北京市", "北京"),
    ("朝阳区", "朝阳", "北京市", "北京"),
    ("东城区", "东城", "北京市", "北京"),
    ("西城区", "西城", "北京市", "北京"),
    ("丰台区", "丰台", "北京市", "北京"),
    ("浦东新区", "浦东", "上海市", "上海"),
    ("黄浦区", "黄浦", "上海市", "上海"),
    ("徐汇区", "徐汇", "上海市", "上海"),
    ("静安区", "静安", "上海市", "上海"),
    ("闵行区", "闵行", "上海市", "上海"),
    ("天河区", "天河", "广州市", "广州"),
    ("越秀区", "越秀", "广州市", "广州"),
    ("海珠区", "海珠", "广州市", "广州"),
    ("番禺区", "番禺", "广州市", "广州"),
    ("西湖区", "西湖", "杭州市", "杭州"),
    ("滨江区", "滨江", "杭州市", "杭州"),
    ("江汉区", "江汉", "武汉市", "武汉"),
    ("洪山区", "洪山", "武汉市", "武汉"),
    ("雁塔区", "雁塔", "西安市", "西安"),
    ("碑林区", "碑林", "西安市", "西安"),
    ("岳麓区", "岳麓", "长沙市", "长沙"),
    ("芙蓉区", "芙蓉", "长沙市", "长沙"),
    ("南开区", "南开", "天津市", "天津"),
    ("历下区", "历下", "济南市", "济南"),
    ("市南区", "市南", "青岛市", "青岛"),
    ("思明区", "思明", "厦门市", "厦门"),
    ("渝中区", "渝中", "重庆市", "重庆"),
    ("昆山市", "昆山", "苏州市", "苏州"),
    ("义乌市", "义乌", "金华市", "金华"),
)
SEED_REGION = ("罗湖区", "罗湖", "深圳市", "深圳")

# Sentences with these characters are traditional-script text (raw/ has one such seed): left out,
# so that every synthetic document is zh-Hans.
_TRADITIONAL = set("區會發這經濟實現進長業與為們國對時當說員點從萬億續產設縣鎮務價還關樣門問題應開變總體")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPLIT = re.compile(r"[。;!?\n;!?]+")
_PLAN_MARKERS = ("将", "要", "预期", "目标", "力争", "计划", "今年", "明年", "确保", "着力", "加快", "推动", "聚焦")
_TOKEN = re.compile(
    rf"(?P<region>{SEED_REGION[0]})|(?P<city>{SEED_REGION[2]})"
    rf"|(?P<region_short>{SEED_REGION[1]})|(?P<city_short>{SEED_REGION[3]})"
    r"|(?P<year>(?:19|20)\d\d)(?=\s*(?:年|[-—–~至]\s*(?:19|20)\d\d))"
    r"|(?P<month>(?<![\d.])\d{1,2})(?=月)|(?P<day>(?<![\d.])\d{1,2})(?=日)"
    r"|(?P<keep>\d+(?=G))"
    r"|(?P<num>\d+(?:\.\d+)?)(?P<pct>%?)"
)

_TARGETS = (
    ("地区生产总值增长{}%左右", (3.0, 8.5)),
    ("一般公共预算收入增长{}%", (2.0, 9.0)),
    ("固定资产投资增长{}%以上", (4.0, 15.0)),
    ("社会消费品零售总额增长{}%", (3.0, 10.0)),
    ("规模以上工业增加值增长{}%", (3.0, 10.0)),
    ("进出口总额增长{}%左右", (1.0, 8.0)),
    ("城镇登记失业率控制在{}%以内", (2.5, 4.5)),
    ("居民人均可支配收入增长与经济增长基本同步", None),
    ("单位GDP能耗完成上级下达目标任务", None),
)
_CLOSINGS = (
    "各位代表!新征程催人奋进,新使命呼唤担当。让我们更加紧密地团结在以习近平同志为核心的党中央周围,"
    "凝心聚力、实干争先,为{region}高质量发展而努力奋斗!",
    "各位代表!奋斗创造历史,实干成就未来。让我们在{city}市委和区委的坚强领导下,"
    "勇担使命、砥砺前行,奋力谱写{region}现代化建设新篇章!",
)

# A sentence template: literal text and slots, rendered per document.
Part = str | tuple


@dataclass(frozen=True)
class _Sentence:
    parts: tuple[Part, ...]
    plan: bool  # reads like a plan ("将", "目标"...) rather than a review


@lru_cache(maxsize=4)
def _pool(seed_dir: Path = SEED_DIR) -> tuple[tuple[_Sentence, ...], tuple[_Sentence, ...]]:
    """(review sentences, plan sentences) from the seed reports, in a fixed order."""
    from govreport.sources.decode import IngestError, read_document

    years = _seed_years(seed_dir)
    seen: set[str] = set()
    review: list[_Sentence] = []
    plan: list[_Sentence] = []
    for path in sorted(seed_dir.glob("*.txt")):
        try:
            text = read_document(path).text
        except IngestError:
            continue
        src_year = years.get(path.name) or _mode_year(text)
        for raw in _SPLIT.split(text):
            sentence = re.sub(r"\s+", " ", raw).strip(" ,,、:")  # noqa: B005 - a set of characters, on purpose
            if len(sentence) < 8 or sentence in seen or _TRADITIONAL.intersection(sentence):
                continue
            if len(_CJK.findall(sentence)) < 0.6 * len(sentence):
                continue  # web-page chrome, list numbers, stray Latin
            seen.add(sentence)
            item = _Sentence(_compile(sentence, src_year), any(m in sentence for m in _PLAN_MARKERS))
            (plan if item.plan else review).append(item)
    if not review or not plan:
        raise RuntimeError(f"no usable seed sentences in {seed_dir}/*.txt")
    return tuple(review), tuple(plan)


def _seed_years(seed_dir: Path) -> dict[str, int]:
    """report_year per seed file, from the manifest if there is one."""
    try:
        from govreport.sources.manifest import load_manifest

        entries, _ = load_manifest(seed_dir)
    except Exception:  # the manifest is an aid, not a requirement
        return {}
    return {name: e.report_year for name, e in entries.items() if e.report_year}


def _mode_year(text: str) -> int:
    years = [int(y) for y in re.findall(r"(20[12]\d)(?=\s*年)", text) if FIRST_YEAR <= int(y) <= LAST_YEAR]
    return Counter(years).most_common(1)[0][0] if years else 2020


def _compile(sentence: str, src_year: int) -> tuple[Part, ...]:
    parts: list[Part] = []
    pos = 0
    for m in _TOKEN.finditer(sentence):
        if m.start() > pos:
            parts.append(sentence[pos : m.start()])
        kind = m.lastgroup if m.lastgroup != "pct" else "num"
        if kind in ("region", "city", "region_short", "city_short"):
            parts.append((kind,))
        elif kind == "year":
            year = int(m.group("year"))
            parts.append(("year", year - src_year) if FIRST_YEAR <= year <= LAST_YEAR else m.group())
        elif kind in ("month", "day"):
            parts.append((kind,))
        elif kind == "keep":
            parts.append(m.group())
        else:
            number = m.group("num")
            decimals = len(number.partition(".")[2])
            parts.append(("num", float(number), decimals))
            if m.group("pct"):
                parts[-1] = ("pct", float(number), decimals)
                parts.append("%")
        pos = m.end()
    if pos < len(sentence):
        parts.append(sentence[pos:])
    return tuple(parts)


def _number(rng: random.Random, value: float, decimals: int, pct: bool = False) -> str:
    if value == 0:
        return "0" if not decimals else f"{0:.{decimals}f}"
    new = value * rng.uniform(0.5, 1.6)
    if pct and value <= 100:
        new = min(new, 100.0)
    if decimals:
        new = max(new, 10**-decimals)
        return f"{new:.{decimals}f}"
    return str(max(1, round(new)))


def _render(sentence: _Sentence, rng: random.Random, ctx: dict) -> str:
    out = []
    for part in sentence.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        kind = part[0]
        if kind in ("region", "city", "region_short", "city_short"):
            out.append(ctx[kind])
        elif kind == "year":
            out.append(str(ctx["year"] + part[1]))
        elif kind == "month":
            out.append(str(rng.randint(1, 12)))
        elif kind == "day":
            out.append(str(rng.randint(1, 28)))
        else:
            out.append(_number(rng, part[1], part[2], pct=kind == "pct"))
    return "".join(out) + "。"


def _targets(rng: random.Random) -> str:
    chosen = [t for t in _TARGETS if rng.random() < 0.75] or [_TARGETS[0]]
    items = []
    for template, bounds in chosen:
        if bounds is None:
            items.append(template)
            continue
        value = rng.uniform(*bounds)
        if rng.random() < 0.5:
            items.append(template.format(f"{round(value)}"))
        else:
            items.append(template.format(f"{value:.1f}"))
    return ";".join(items) + "。"


def document(index: int, seed: int = 0, seed_dir: Path = SEED_DIR) -> tuple[str, dict]:
    """The text of document ``index`` of the corpus ``seed``, and its manifest facts."""
    review, plan = _pool(seed_dir)
    rng = random.Random(f"govreport-bench:{seed}:{index}")
    region, region_short, city, city_short = rng.choice(REGIONS)
    year = rng.randint(FIRST_YEAR + 1, LAST_YEAR)  # the plan year; the review year is year - 1
    ctx = {"region": region, "region_short": region_short, "city": city, "city_short": city_short, "year": year}
    budget = rng.randint(MIN_DOC_BYTES, MAX_DOC_BYTES)
    month, day = rng.randint(1, 2), rng.randint(5, 28)

    head = [
        f"{year}年{region}政府工作报告",
        f"——{year}年{month}月{day}日在{region}第{rng.choice('五六七八九')}届人民代表大会"
        f"第{rng.choice('一二三四五六七八')}次会议上",
        "各位代表:",
        f"现在,我代表{region}人民政府,向大会报告政府工作,请予审议,并请各位政协委员和其他列席人员提出意见。",
        f"一、{year - 1}年工作回顾",
    ]
    closing = rng.choice(_CLOSINGS).format(region=region, city=city_short)
    plan_head = [
        f"二、{year}年工作安排",
        f"{year}年是"
        f"{rng.choice(['推动高质量发展的关键之年', '全面深化改革的攻坚之年', '承上启下、继往开来的重要一年'])}"
        f"。今年政府工作的总体要求是:坚持稳中求进工作总基调,完整、准确、全面贯彻新发展理念,推动{region}经济社会高质量发展。",
        "今年经济社会发展的主要预期目标是:" + _targets(rng),
    ]
    fixed = sum(len(line.encode("utf-8")) + 1 for line in head + plan_head + [closing])
    fill = max(0, budget - fixed)
    # A real report states a fact once: each seed sentence at most once per document, and no two sentences about
    # the same subject, so the synthetic documents do not contradict themselves (the gate quarantines that).
    used_subjects: set[str] = set()
    review_lines = _paragraphs(review, rng, ctx, int(fill * rng.uniform(0.35, 0.55)), used_subjects)
    used = sum(len(line.encode("utf-8")) + 1 for line in review_lines)
    plan_lines = _paragraphs(plan, rng, ctx, max(0, fill - used), used_subjects)
    text = "\n".join(head + review_lines + plan_head + plan_lines + [closing]) + "\n"
    facts = {
        "title": f"{year}年{region}政府工作报告",
        "region_name": region,
        "document_type": "government_work_report",
        "report_year": year,
        "script": "zh-Hans",
    }
    return text, facts


def _subjects(sentence: _Sentence) -> set[str]:
    """What a sentence's numbers are about, roughly: the last few characters before each number."""
    out, before = set(), ""
    for part in sentence.parts:
        if isinstance(part, str):
            before = (before + part)[-6:]
        elif part[0] in ("num", "pct"):
            out.add(re.sub(r"[\W\d]", "", before)[-4:])
    return out - {""}


def _paragraphs(pool, rng: random.Random, ctx: dict, n_bytes: int, used_subjects: set[str]) -> list[str]:
    order = list(pool)
    rng.shuffle(order)
    fresh = iter(s for s in order if not (_subjects(s) & used_subjects))
    lines, size = [], 0
    while size < n_bytes:
        chosen = []
        for _ in range(rng.randint(2, 6)):
            sentence = next(fresh, None)
            if sentence is None:
                break
            used_subjects |= _subjects(sentence)
            chosen.append(sentence)
        if not chosen:  # the pool is spent: repeat sentences without numbers to reach the size
            chosen = [s for s in order if not _subjects(s)][:1] or order[:1]
        paragraph = "".join(_render(s, rng, ctx) for s in chosen)
        lines.append(paragraph)
        size += len(paragraph.encode("utf-8")) + 1
    return lines


def _documents(
    seed: int, n_docs: int | None, target_bytes: float | None, seed_dir: Path
) -> Iterator[tuple[int, str, dict]]:
    total, index = 0, 0
    while (n_docs is not None and index < n_docs) or (n_docs is None and total < target_bytes):
        text, facts = document(index, seed, seed_dir)
        yield index, text, facts
        total += len(text.encode("utf-8"))
        index += 1


def build_corpus(
    out_dir: Path,
    n_docs: int | None = None,
    target_mb: float | None = None,
    seed: int = 0,
    *,
    seed_dir: Path = SEED_DIR,
    write_manifest: bool = True,
) -> list[Path]:
    """Write ``n_docs`` documents, or documents until ``target_mb`` MB (10**6 bytes), to out_dir.

    Files are ``doc_000000.txt``, ... (UTF-8); with ``write_manifest`` also a
    ``sources.yaml`` describing them, so out_dir can serve as a raw/ folder.
    Returns the document paths in order.
    """
    if (n_docs is None) == (target_mb is None):
        raise ValueError("give exactly one of n_docs and target_mb")
    if n_docs is not None and n_docs < 0 or target_mb is not None and target_mb < 0:
        raise ValueError("n_docs and target_mb must not be negative")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths, manifest = [], ["# Synthetic benchmark corpus written by bench/corpus.py; not real documents.", "documents:"]
    target = None if target_mb is None else target_mb * MB
    for index, text, facts in _documents(seed, n_docs, target, Path(seed_dir)):
        path = out / f"doc_{index:06d}.txt"
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
        manifest.append(f"  - file: {path.name}")
        manifest += [f"    {key}: {value}" for key, value in facts.items()]
        manifest.append(f"    source: synthetic (bench/corpus.py, seed {seed})")
    if write_manifest:
        (out / "sources.yaml").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    return paths


def corpus_text(target_mb: float, seed: int = 0, *, seed_dir: Path = SEED_DIR) -> str:
    """Documents joined by a newline, until at least ``target_mb`` MB of UTF-8: one big string."""
    return "\n".join(text for _, text, _ in _documents(seed, None, target_mb * MB, Path(seed_dir)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a deterministic synthetic corpus of report text.")
    parser.add_argument("out_dir", type=Path)
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--docs", type=int, help="number of documents")
    size.add_argument("--mb", type=float, help="target size in MB (10**6 bytes)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-manifest", action="store_true", help="do not write sources.yaml")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = build_corpus(
        args.out_dir, n_docs=args.docs, target_mb=args.mb, seed=args.seed, write_manifest=not args.no_manifest
    )
    n_bytes = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} documents, {n_bytes / MB:.1f} MB in {args.out_dir} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
