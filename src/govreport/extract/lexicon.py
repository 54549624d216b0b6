"""The words of work reports the extractor relies on, in one place.

Each list says what role a word plays between an indicator's name and its
number, or around a statement; the extractor (`govreport.extract`) only
combines them.
"""
import re

# Words allowed between an indicator's name and its number ("固定资产投资完成400亿元左右").
# Anything else there (a noun: "GDP产出达33亿元") means the number is about something else.
FILLERS = sorted("""
完成 实现 达到 达 为 是 增至 降至 升至 提高到 提高至 提升到 提升至 下降到 下降至 降低到 降低至 降到
控制在 保持在 稳定在 维持在 预计 预计完成 同比 比上年 较上年 比去年 与上年相比 同口径 可比口径 按可比价格计算
剔除不可比因素 剔出不可比因素 全年 年均 累计 总量 规模 首次 首超 实际 总计 合计 分别 目标 预期目标 预期 目标为
预期目标为 力争 确保 要 将 在 增长 增速 下降 降低 减少 提高 提升 上升 上涨 涨幅 增幅 降幅 回落 增加 回升 稍有
均 也 都 再 又 仍 继续 进一步 有望 可望 完成了 实现了 达到了 增长了 下降了 提高了 上年 计划 左右 就业 人数
拟按 按 拟 安排 预计为 年末 年底 全市 全区 全省 全县 平均
""".split(), key=len, reverse=True)
FILLER_RUN = re.compile(r"(?:" + "|".join(FILLERS) + r"|\([^()]{1,12}\)|[::\s])*")

GROWTH_UP = ("增长", "增速", "增幅", "上涨", "涨幅", "提高", "提升", "上升", "增加", "回升")
GROWTH_DOWN = ("下降", "降低", "减少", "降幅", "回落", "下滑")
# "提高到 5%" states the level reached, not a change.
LEVEL_AFTER_CHANGE = re.compile(r"(?:增|升|降|提高|提升|下降|降低|增长|减少)(?:到|至)$")

# Modifiers that make the name a narrower concept than the indicator ("棚改固定资产投资").
NARROWING_PREFIXES = re.compile(
    r"(?:棚改|旧改|民间|房地产|基础设施|基建|制造业|交通|技改|高技术|高新技术|新兴产业|现代|生产性|数字经济"
    r"|工业|农业|政府|国有|民营|外资|文化|旅游|体育|跨境|社区|医疗|教育|项目|产业|专项|重大|网络|线上|乡村)$")
# Sentence topics that re-code a broader indicator ("城市更新...固定资产投资160亿元").
TOPIC_RECODING = {
    "fixed_asset_investment": (re.compile(r"城市更新"), "urban_renewal_fixed_asset_investment"),
}

# Names that stand for an indicator only right after a related one in the same sentence:
# "建设筹集公共住房5953套,供应2660套", "民生支出163亿元,占财政支出比重近八成".
ELLIPTIC_NAMES: dict[str, tuple[re.Pattern, str]] = {
    "public_housing_units_raised": (re.compile(r"供应"), "public_housing_units_supplied"),
    "livelihood_expenditure": (re.compile(r"占(?:全区|全市|全省|地方)?(?:一般公共预算|财政)?支出(?:的)?比(?:重|例)"),
                               "livelihood_expenditure_share"),
}
# Count nouns a report puts after the number: "新增4290个学位", "新增学位2830个" after "新增班级61个、".
HEAD_NOUNS: dict[str, tuple[re.Pattern, str]] = {
    "学位": (re.compile(r"新增"), "new_school_places"),
}

# Statement-level cues of kind.
TARGET_CUES = re.compile(r"(?=[预目力确争计将要拟])(?:预期目标|目标(?:是|为)|力争|确保|争取|计划|预期|将(?!近)|要(?:求)?|拟)")
ACTUAL_CUES = re.compile(r"(?=[预比较同上去])(?:预计完成|比上年|较上年|同比|(?:上年|去年)(?:全年|全市|全区|全省|全县)?)")

# Periods stated at the head of a sentence or paragraph.
CN_MONTH = r"(?:1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])"
INTERIM_PERIOD = re.compile(
    rf"(?P<year>(?:19|20)\d\d)?年?(?:今年)?(?:"
    rf"(?P<h1>上半年)|(?P<h2>下半年)|(?P<q>第?[一二三四1-4])季度|(?P<q3>前三季度)"
    rf"|(?P<m1>{CN_MONTH})(?:-|—|~|至|到)(?P<m2>{CN_MONTH})月(?:份)?|前(?P<mn>{CN_MONTH})个?月)")
# A five-year plan as a time frame ("十四五"期间/时期/末), not a plan document named in passing (编制十四五规划).
FIVE_YEAR_PLAN = re.compile(r"“?十([一二三四五])五”?(?:期间|时期|以来|末)")
# "到2025年", "2025年底前": a target for that year
BY_YEAR = re.compile(r"(?:到|至|截至)((?:19|20)\d\d)年(?:底|末)?|((?:19|20)\d\d)年(?:底|末)?前")
MULTI_YEAR_CUE = re.compile(r"年均|累计")
