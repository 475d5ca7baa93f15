"""Rebuild the demo's catalogs and residents' messages from the workplace's shared data.

    python needle/demo/data/make_demo_data.py [SHARED_DATA_DIR]

SHARED_DATA_DIR defaults to `../shared/data` next to the repository. Writes, next to this
script: teddycup_catalog.csv, nyc311_services.csv and teddycup_messages.csv.gz. The output is
deterministic (same input, same bytes). Not run by the demo itself: the demo reads the outputs.
See SOURCES.md for what each file holds.
"""

from __future__ import annotations

import collections
import csv
import gzip
import hashlib
import io
import math
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
A2_TEXT_ONLY_ROWS = 700  # besides every attachment-2 row with a full record
A4_ROWS = 900
MAX_TEXT = 2000
MAX_REPLY = 1500

# English names of the Teddy Cup first-level labels (categories), in the taxonomy's order.
L1_EN = {
    "城乡建设": "Urban and rural construction",
    "党务政务": "Party and government affairs",
    "国土资源": "Land and resources",
    "环境保护": "Environmental protection",
    "纪检监察": "Discipline inspection",
    "交通运输": "Transport",
    "经济管理": "Economic management",
    "科技与信息产业": "Science, technology and IT",
    "民政": "Civil affairs",
    "农村农业": "Agriculture and rural affairs",
    "商贸旅游": "Commerce and tourism",
    "卫生计生": "Health and family planning",
    "政法": "Public security and justice",
    "教育文体": "Education, culture and sports",
    "劳动和社会保障": "Labour and social security",
}

# (label_l1, label_l2) -> (English name, deadline class or "" for the category's, department
# key or "" for none, extra matching hints). Department keys are the demo's department codes
# (dept-<key>-<area code>); a service without one waits for a dispatcher.
L2 = {
    "城乡建设": {
        "安全生产": ("Work safety", "urgent", "", "安全隐患 消防 倒塌"),
        "城市建设和市政管理": (
            "Urban construction and municipal services",
            "utilities",
            "urban",
            "路灯 下水道 积水 停水 停电 燃气 供水 自来水 垃圾 绿化 公交 地铁 马路 城管 占道 摊贩 井盖 管网 排水 供暖 暖气 公厕 人行道",
        ),
        "城乡规划": ("Urban and rural planning", "complex", "", "规划 违建 违章建筑 搭建 容积率 采光"),
        "村镇建设": ("Village and town construction", "", "housing", "农村 村里 乡镇 新农村"),
        "工程质量": ("Construction quality", "", "housing", "质量 开裂 渗水 漏水 裂缝 施工"),
        "国有土地上房屋征收与补偿": (
            "Expropriation of housing on state-owned land",
            "complex",
            "housing",
            "征收 拆迁 棚改 安置 补偿",
        ),
        "集体土地上房屋拆迁与补偿": (
            "Demolition and compensation on collective land",
            "complex",
            "",
            "集体土地 村民 拆迁 征地",
        ),
        "建筑市场": ("Construction market", "complex", "housing", "工程款 招标 投标 资质 农民工工资"),
        "其他": ("Other urban and rural construction matters", "", "", ""),
        "住房保障与房地产": (
            "Housing security and real estate",
            "",
            "housing",
            "物业 业主 开发商 房产证 公积金 廉租房 公租房 购房 楼盘 交房 小区 不动产 契税 电梯 车位",
        ),
    },
    "党务政务": {
        "党的建设": ("Party building", "", "", "党员 党组织 支部"),
        "港澳台侨": ("Hong Kong, Macao, Taiwan and overseas Chinese", "", "", "香港 澳门 台湾 华侨"),
        "国防外交": ("National defence and foreign affairs", "", "", "征兵 国防 外事"),
        "民族宗教": ("Ethnic and religious affairs", "", "", "少数民族 宗教 寺庙"),
        "其他": ("Other Party and government matters", "", "", ""),
        "群众团体": ("Mass organisations", "", "", "工会 共青团 妇联"),
        "宣传舆论": ("Publicity and public opinion", "", "", "网络 谣言 宣传"),
        "政治体制": ("Political system", "", "", "人大 政协 统战"),
    },
    "国土资源": {
        "海洋气象地震": ("Oceans, weather and earthquakes", "", "", "气象 地震 天气"),
        "矿产资源管理": ("Mineral resources", "", "", "采矿 矿山 开采 采砂"),
        "其他": ("Other land and resources matters", "", "", ""),
        "土地征收": ("Land expropriation", "", "", "征地 征收 失地"),
        "土地资源管理": ("Land management", "", "", "耕地 土地 占用"),
    },
    "环境保护": {
        "环保管理": ("Environmental administration", "", "env", "环保局 监测 执法"),
        "环境污染": (
            "Pollution",
            "",
            "env",
            "噪音 噪声 扰民 污染 排放 废气 臭味 恶臭 粉尘 灰尘 油烟 污水 废水 垃圾 焚烧 烟尘",
        ),
        "建设项目审批": ("Environmental approval of construction projects", "", "env", "环评 未批先建 审批"),
        "其他": ("Other environmental matters", "", "env", ""),
    },
    "纪检监察": {
        "党政处分": ("Party and administrative sanctions", "", "", "处分"),
        "干部作风": ("Officials' conduct", "", "", "作风 态度 不作为"),
        "滥用职权": ("Abuse of power", "", "", "滥用职权 报复"),
        "其他": ("Other discipline matters", "", "", ""),
        "失职渎职": ("Dereliction of duty", "", "", "渎职 失职"),
        "贪污贿赂": ("Corruption and bribery", "", "", "贪污 受贿 行贿 腐败"),
    },
    "交通运输": {
        "出租车管理": ("Taxis", "", "transport", "出租车 的士 网约车 滴滴 拒载 绕路"),
        "建设管理": ("Road building and maintenance", "", "transport", "公路 修路 收费站 硬化 路面 道路"),
        "交通运输": ("Transport services", "", "transport", ""),
        "客货运输": (
            "Passenger and freight transport",
            "",
            "transport",
            "公交 客运 班车 货车 超载 线路 站点",
        ),
        "其他": ("Other transport matters", "", "transport", ""),
        "邮政管理": ("Postal and courier services", "", "", "快递 邮政 包裹"),
    },
    "经济管理": {
        "安全生产": ("Work safety in enterprises", "urgent", "", "安全隐患"),
        "保险证券期货": ("Insurance, securities and futures", "", "", "保险公司 股票 基金"),
        "国资监管": ("State-owned assets", "complex", "", "国企 国有资产 改制"),
        "宏观调控": ("Economic policy", "", "", "经济 产业 发展"),
        "金融财税": ("Finance and taxation", "", "", "银行 贷款 税务 集资 发票"),
        "能源管理": ("Energy", "", "", "能源 节能 光伏"),
        "其他": ("Other economic matters", "", "", ""),
        "企业破产": ("Business bankruptcy", "complex", "", "破产"),
    },
    "科技与信息产业": {
        "电信": ("Telecommunications", "", "", "电信 移动 联通 宽带 信号 话费"),
        "科学技术": ("Science and technology", "", "", "科技 科研"),
        "其他": ("Other science and IT matters", "", "", ""),
        "信息化建设": ("Information technology", "", "", "网站 系统 APP 软件"),
        "知识产权": ("Intellectual property", "", "", "专利 商标 版权"),
    },
    "民政": {
        "福利慈善": ("Welfare and charity", "", "civil", "福利院 慈善 养老院"),
        "复退安置": ("Resettlement of veterans", "", "civil", "退伍 转业 复员"),
        "基层选举和社区建设": (
            "Local elections and community building",
            "",
            "civil",
            "选举 居委会 村委会 社区",
        ),
        "救灾募捐": ("Disaster relief and donations", "", "civil", "救灾 受灾 捐赠"),
        "民间组织": ("Civil society organisations", "", "civil", "协会 社团"),
        "其他": ("Other civil affairs", "", "civil", ""),
        "区划地名": ("Administrative divisions and place names", "", "civil", "地名 区划"),
        "社会服务": ("Social services", "", "civil", "婚姻 收养 殡葬 墓地 流浪"),
        "社会救助": ("Social assistance", "", "civil", "低保 救助 特困 五保"),
        "优抚": ("Benefits for veterans and martyrs' families", "", "civil", "优抚 伤残 烈士 退役军人"),
    },
    "农村农业": {
        "草原草场": ("Grasslands", "", "", "草原 草场"),
        "村务管理": ("Village affairs", "", "", "村干部 村务 集体资产 村账"),
        "动物防疫": ("Animal disease control", "utilities", "", "防疫 猪瘟 禽流感"),
        "扶贫开发": ("Poverty alleviation", "", "", "扶贫 贫困户 脱贫"),
        "惠农补贴": ("Farm subsidies", "", "", "补贴 补助 农机"),
        "林业管理": ("Forestry", "", "", "林地 砍伐 森林 退耕还林"),
        "农副产品流通": ("Farm produce trade", "", "", "粮食 收购"),
        "农垦农场": ("State farms", "", "", "农场"),
        "农资农技": ("Farm supplies and technology", "", "", "化肥 农药 种子"),
        "其他": ("Other rural matters", "", "", ""),
        "水库移民": ("Reservoir resettlement", "", "", "移民 水库"),
        "水利水电": ("Water conservancy and hydropower", "", "", "水利 水渠 灌溉 防汛 河道 山塘"),
        "土地承包经营": ("Land contracting", "complex", "", "承包 流转 宅基地"),
        "野生资源管理": ("Wildlife", "", "", "野生动物 捕猎"),
    },
    "商贸旅游": {
        "旅游管理": ("Tourism", "", "", "旅游 景区 导游 旅行社"),
        "其他": ("Other commerce and tourism matters", "", "", ""),
        "商业贸易": ("Commerce and trade", "", "", "商场 超市 商户 市场"),
        "市场监管": (
            "Market supervision",
            "",
            "market",
            "传销 虚假 价格 收费 商家 消费者 退款 退费 欺诈 营业执照 工商",
        ),
        "质监检验检疫": ("Quality inspection and quarantine", "", "market", "特种设备 电梯 锅炉 质量 检验"),
    },
    "卫生计生": {
        "公共卫生": ("Public health", "urgent", "", "疫苗 疾控 传染 病毒 疫情"),
        "其他": ("Other health matters", "", "", ""),
        "人口计生": (
            "Population and family planning",
            "general",
            "",
            "生育 计生 二胎 独生子女 准生证 社会抚养费",
        ),
        "食品药品监管": ("Food and drug safety", "", "market", "食品 药品 餐馆 过期 药店"),
        "医患纠纷": ("Doctor-patient disputes", "complex", "", "手术 误诊 死亡 医疗事故"),
        "医政监管": ("Medical administration", "", "", "医院 诊所 医生 护士 医保 看病"),
    },
    "政法": {
        "法律服务": ("Legal services", "", "", "律师 公证 法律援助"),
        "法制建设": ("Rule of law", "", "", "法规 立法"),
        "行政复议": ("Administrative review", "complex", "", "复议"),
        "户籍证件": ("Household registration and IDs", "", "", "户口 户籍 身份证 落户 迁户"),
        "交通管理": ("Traffic management", "", "", "交警 违章 驾驶证 红绿灯 停车"),
        "警务督察": ("Police conduct", "", "", "警察 民警 派出所"),
        "其他": ("Other public security and justice matters", "", "", ""),
        "社会治安": ("Public order", "urgent", "", "治安 赌博 打架 偷盗 盗窃 消防"),
        "诉讼": ("Litigation", "complex", "", "法院 起诉 判决"),
        "刑案侦破": ("Criminal investigation", "complex", "", "报案 立案 诈骗"),
        "刑罚执行": ("Execution of sentences", "complex", "", "监狱 社区矫正"),
        "仲裁与调解": ("Arbitration and mediation", "", "", "仲裁 调解"),
    },
    "教育文体": {
        "教师队伍和待遇": ("Teachers and their pay", "", "", "教师 老师 编制 职称 代课"),
        "教育行政管理": ("School administration", "", "", "学校 学生 补课 校园 校车 幼儿园"),
        "教育收费": ("School fees", "", "", "学费 乱收费 收费"),
        "教育体制": ("Education system", "", "", "入学 学位 划片 择校"),
        "考试招生": ("Examinations and admissions", "", "", "考试 招生 录取 高考 中考"),
        "其他": ("Other education, culture and sports matters", "", "", ""),
        "失学辍学": ("School dropouts", "", "", "辍学 失学"),
        "体育": ("Sports", "", "", "体育 健身 球场 运动"),
        "文化": ("Culture", "", "", "文化 图书馆 广场舞 网吧"),
        "文物管理": ("Cultural heritage", "", "", "文物 古建筑 古迹"),
    },
    "劳动和社会保障": {
        "城镇居民社会保险": ("Residents' social insurance", "", "", "医保 农合 居民养老 参保"),
        "城镇职工社会保险": (
            "Employees' social insurance",
            "",
            "",
            "社保 养老保险 工伤 生育保险 失业保险 缴费 缴纳",
        ),
        "工资福利": ("Wages and benefits", "", "", "工资 拖欠 福利 奖金"),
        "就业培训": ("Employment and training", "", "", "就业 培训 招聘 创业"),
        "劳动保护": ("Labour protection", "", "", "加班 休假 安全防护"),
        "劳动关系": ("Employment relations", "complex", "", "劳动合同 辞退 解雇 派遣 农民工 欠薪"),
        "其他": ("Other labour and social security matters", "", "", ""),
        "社保基金管理": ("Social security funds", "", "", "社保基金"),
        "退休政策及待遇": ("Retirement and pensions", "", "", "退休 养老金 退休金"),
    },
}

L1_DEADLINE = {"国土资源": "complex", "纪检监察": "complex", "卫生计生": "utilities"}

# NYC 311 complaint types: Chinese name and deadline class ("" = general).
NYC = {
    "HEAT/HOT WATER": ("供暖/热水", "utilities"),
    "Illegal Parking": ("违法停车", "urgent"),
    "Noise - Residential": ("噪音 - 住宅", "urgent"),
    "Blocked Driveway": ("车道被堵", "urgent"),
    "UNSANITARY CONDITION": ("卫生状况差", ""),
    "Street Condition": ("路面状况", ""),
    "PLUMBING": ("管道", "utilities"),
    "PAINT/PLASTER": ("油漆/墙皮", ""),
    "Graffiti": ("涂鸦", ""),
    "DOOR/WINDOW": ("门窗", ""),
    "Derelict Vehicles": ("废弃车辆", ""),
    "WATER LEAK": ("漏水", "utilities"),
    "Traffic Signal Condition": ("交通信号灯故障", "urgent"),
    "Abandoned Vehicle": ("弃置车辆", ""),
    "Noise": ("噪音", ""),
    "ELECTRIC": ("电气", "utilities"),
    "Rodent": ("鼠患", ""),
    "For Hire Vehicle Complaint": ("约租车投诉", ""),
    "GENERAL": ("一般住房问题", ""),
    "Noise - Street/Sidewalk": ("噪音 - 街道/人行道", "urgent"),
    "FLOORING/STAIRS": ("地板/楼梯", ""),
    "Consumer Complaint": ("消费者投诉", ""),
    "Sewer": ("下水道", "utilities"),
    "Water System": ("供水系统", "utilities"),
    "Dirty Condition": ("环境脏乱", ""),
    "General Construction/Plumbing": ("一般施工/管道", ""),
    "Sidewalk Condition": ("人行道状况", ""),
    "Noise - Commercial": ("噪音 - 商业场所", "urgent"),
    "Street Light Condition": ("路灯故障", "utilities"),
    "APPLIANCE": ("家电设施", ""),
    "Noise - Vehicle": ("噪音 - 车辆", "urgent"),
    "SAFETY": ("安全", "utilities"),
    "Electronics Waste Appointment": ("电子废弃物预约回收", ""),
    "Elevator": ("电梯（楼宇局）", "utilities"),
    "Air Quality": ("空气质量", ""),
    "Damaged Tree": ("树木受损", ""),
    "Building/Use": ("建筑用途", "complex"),
    "Encampment": ("露宿营地", "urgent"),
    "Drug Activity": ("毒品活动", "urgent"),
    "New Tree Request": ("申请种树", "complex"),
    "Outdoor Dining": ("户外餐饮", ""),
    "Food Establishment": ("餐饮场所", ""),
    "Animal-Abuse": ("虐待动物", "urgent"),
    "Lead": ("铅污染", "utilities"),
    "Illegal Dumping": ("非法倾倒", ""),
    "Indoor Air Quality": ("室内空气质量", ""),
    "Special Projects Inspection Team (SPIT)": ("专项检查组", "complex"),
    "Obstruction": ("障碍物", ""),
    "Homeless Person Assistance": ("无家可归者援助", "urgent"),
    "Non-Emergency Police Matter": ("非紧急警务", ""),
    "Root/Sewer/Sidewalk Condition": ("树根/下水道/人行道", ""),
    "Maintenance or Facility": ("公园设施维护", ""),
    "Street Sign - Damaged": ("路牌损坏", ""),
    "Commercial Disposal Complaint": ("商业垃圾处理投诉", ""),
    "Taxi Complaint": ("出租车投诉", ""),
    "Lost Property": ("失物", ""),
    "Curb Condition": ("路缘石状况", ""),
    "Boilers": ("锅炉", "utilities"),
    "Overgrown Tree/Branches": ("树枝过长", ""),
    "Unsanitary Animal Pvt Property": ("私人场所动物卫生", ""),
    "Residential Disposal Complaint": ("住宅垃圾处理投诉", ""),
    "Street Sign - Missing": ("路牌缺失", "utilities"),
    "Real Time Enforcement": ("实时执法", ""),
    "Highway Condition": ("高速公路状况", ""),
    "Smoking": ("吸烟", ""),
    "Dead Animal": ("动物尸体", "utilities"),
    "Water Conservation": ("节约用水", ""),
    "Traffic": ("交通", "urgent"),
    "Noise - Helicopter": ("噪音 - 直升机", ""),
    "Emergency Response Team (ERT)": ("应急响应组", "urgent"),
    "Electrical": ("电气（楼宇局）", "utilities"),
    "Panhandling": ("乞讨", ""),
    "Plumbing": ("管道（楼宇局）", "utilities"),
    "Broken Parking Meter": ("停车计时器损坏", ""),
    "Animal in a Park": ("公园内动物", ""),
    "Illegal Fireworks": ("非法燃放烟花", "urgent"),
    "Industrial Waste": ("工业废物", "utilities"),
    "Sanitation Worker or Vehicle Complaint": ("环卫工人或车辆投诉", ""),
    "Investigations and Discipline (IAD)": ("调查与纪律", "complex"),
    "Noise - House of Worship": ("噪音 - 宗教场所", "urgent"),
    "Day Care": ("托儿所", ""),
    "Illegal Tree Damage": ("非法毁树", ""),
    "Snow or Ice": ("积雪或结冰", "utilities"),
    "Indoor Sewage": ("室内污水", "utilities"),
    "Litter Basket Request": ("申请垃圾桶", ""),
    "Street Sign - Dangling": ("路牌悬垂", "utilities"),
    "OUTSIDE BUILDING": ("建筑外部", ""),
    "Lot Condition": ("空地状况", ""),
    "Bike/Roller/Skate Chronic": ("自行车/轮滑扰民", ""),
    "Illegal Posting": ("非法张贴", ""),
    "Dead/Dying Tree": ("枯死树木", ""),
    "Water Quality": ("水质", "utilities"),
    "Hazardous Materials": ("危险物品", "urgent"),
    "Violation of Park Rules": ("违反公园规定", ""),
    "Construction Lead Dust": ("施工铅尘", ""),
    "Asbestos": ("石棉", "urgent"),
    "Taxi Licensee Complaint": ("出租车牌照持有人投诉", ""),
    "Tattooing": ("纹身", ""),
    "Bridge Condition": ("桥梁状况", ""),
    "Illegal Animal Kept as Pet": ("非法饲养动物", ""),
    "Abandoned Bike": ("弃置自行车", ""),
    "Green Taxi Complaint": ("绿色出租车投诉", ""),
    "Beach/Pool/Sauna Complaint": ("海滩/泳池/桑拿投诉", ""),
    "Non-Residential Heat": ("非住宅供暖", "utilities"),
    "ELEVATOR": ("电梯（住房局）", "utilities"),
    "Special Natural Area District (SNAD)": ("特殊自然区域", "complex"),
    "Uprooted Stump": ("树桩翻起", ""),
    "Oil or Gas Spill": ("油气泄漏", "urgent"),
    "Mobile Food Vendor": ("流动食品摊贩", ""),
    "Street Sweeping Complaint": ("街道清扫投诉", ""),
    "Unleashed Dog": ("未拴绳的狗", ""),
    "Borough Office": ("区办公室", ""),
}

# For attachment 4 (no labels): distinctive words of the categories that attachment 2 lacks.
OTHER_L1_WORDS = {
    "政法": "派出所 公安 户口 户籍 身份证 交警 驾驶证 法院 判决 民警 治安 诈骗",
    "民政": "低保 婚姻登记 殡葬 退役军人 优抚 救助 福利院 养老院 居委会选举",
    "农村农业": "宅基地 扶贫 贫困户 土地流转 村干部 林地 防汛 水库 灌溉 惠农",
    "国土资源": "征地 土地征收 采矿 矿山 国土局 耕地",
    "纪检监察": "贪污 受贿 腐败 纪委 以权谋私 公款",
    "经济管理": "非法集资 集资 税务局 破产 国有资产 银行贷款",
    "科技与信息产业": "电信 宽带 移动公司 联通 手机信号 专利",
    "党务政务": "党员 党支部 党组织",
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _rank(key: str) -> str:
    return hashlib.sha256(("needle-demo:" + key).encode()).hexdigest()


def _grams(text: str) -> list[str]:
    t = _norm(text)
    return [t[i : i + 2] for i in range(len(t) - 1)]


class _Bayes:
    """Multinomial naive Bayes on character bigrams over attachment 2's first-level labels
    (about 85% right on a held-back fifth of attachment 2)."""

    ALPHA = 0.1

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self.docs: collections.Counter[str] = collections.Counter()
        self.grams: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for text, label in rows:
            self.docs[label] += 1
            self.grams[label].update(_grams(text))
        self.vocab = {g for c in self.grams.values() for g in c}
        self.totals = {k: sum(v.values()) for k, v in self.grams.items()}

    def label(self, text: str) -> str:
        grams = [g for g in _grams(text) if g in self.vocab]
        n = sum(self.docs.values())
        best, score = "", -math.inf
        for label, docs in sorted(self.docs.items()):
            counts, total = self.grams[label], self.totals[label] + self.ALPHA * len(self.vocab)
            s = math.log(docs / n) + sum(math.log((counts[g] + self.ALPHA) / total) for g in grams)
            if s > score:
                best, score = label, s
        return best


def _other_l1(text: str) -> str:
    hits = {l1: sum(1 for w in words.split() if w in text) for l1, words in OTHER_L1_WORDS.items()}
    best = max(hits, key=lambda k: hits[k])
    return best if hits[best] >= 2 else ""


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _write_csv(path: Path, header: list[str], rows: list[list[str]], *, gz: bool = False) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode()
    if gz:
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
            f.write(data)
    else:
        path.write_bytes(data)


def catalog(shared: Path) -> None:
    tree: dict[str, dict[str, list[str]]] = {}
    for r in _read(shared / "teddycup2020c" / "attachment1_label_taxonomy.csv"):
        tree.setdefault(r["label_l1"], {}).setdefault(r["label_l2"], []).append(r["label_l3"])
    rows = []
    for l1, l2s in tree.items():
        for l2, l3s in l2s.items():
            en, deadline, dept, hints = L2[l1][l2]
            rows.append(
                [
                    l1,
                    L1_EN[l1],
                    l2,
                    en,
                    deadline or L1_DEADLINE.get(l1, "general"),
                    dept,
                    " ".join(x for x in l3s if x != "其他"),
                    hints,
                ]
            )
    header = ["label_l1", "name_en_l1", "label_l2", "name_en_l2", "deadline_class", "department"]
    _write_csv(HERE / "teddycup_catalog.csv", [*header, "keywords_l3", "hints"], rows)


def nyc(shared: Path) -> None:
    rows = _read(shared / "nyc311" / "nyc311_2023-02_sample.csv")
    count = collections.Counter(r["Complaint Type"] for r in rows)
    agency: dict[str, collections.Counter[tuple[str, str]]] = collections.defaultdict(collections.Counter)
    descriptors: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for r in rows:
        agency[r["Complaint Type"]][(r["Agency"], r["Agency Name"])] += 1
        if r["Descriptor"]:
            descriptors[r["Complaint Type"]][r["Descriptor"]] += 1
    out = []
    for kind, n in sorted(count.items(), key=lambda kv: (-kv[1], kv[0])):
        (code, name), _ = agency[kind].most_common(1)[0]
        zh, deadline = NYC[kind]
        out.append(
            [
                kind,
                zh,
                deadline or "general",
                code,
                name,
                str(n),
                "|".join(d for d, _ in descriptors[kind].most_common(6)),
            ]
        )
    header = ["complaint_type", "name_zh", "deadline_class", "agency", "agency_name", "requests"]
    _write_csv(HERE / "nyc311_services.csv", [*header, "descriptors"], out)


def messages(shared: Path) -> None:
    base = shared / "teddycup2020c"
    a2 = _read(base / "attachment2_messages_labelled_partial.csv")
    a4 = _read(base / "attachment4_messages_replies.csv")
    bayes = _Bayes([(r["text"], r["label_l1"]) for r in a2])
    seen: set[str] = set()
    out: list[list[str]] = []

    def keep(key: str) -> bool:
        if key in seen:
            return False
        seen.add(key)
        return True

    full = [r for r in a2 if r["detail"] and len(r["detail"]) <= MAX_TEXT]
    text_only = [r for r in a2 if not r["detail"] and 40 <= len(r["text"]) <= MAX_TEXT]
    for r in sorted(full, key=lambda r: _rank("a2:" + r["row_id"])):
        if keep(_norm(r["text"])):
            detail = r["detail"].replace("\r\n", "\n")
            out.append(
                ["a2", r["row_id"], r["created_at"], r["title"], detail, r["label_l1"], "gold", "", ""]
            )
    for r in sorted(text_only, key=lambda r: _rank("a2:" + r["row_id"]))[:A2_TEXT_ONLY_ROWS]:
        if keep(_norm(r["text"])):
            out.append(["a2", r["row_id"], "", "", r["text"], r["label_l1"], "gold", "", ""])
    usable = [r for r in a4 if 20 <= len(r["detail"]) <= MAX_TEXT and 40 <= len(r["reply"]) <= MAX_REPLY]
    taken = 0
    for r in sorted(usable, key=lambda r: _rank("a4:" + r["message_id"])):
        if taken == A4_ROWS:
            break
        if not keep(_norm(r["title"] + r["detail"])):
            continue
        taken += 1
        text = r["title"] + r["detail"]
        label = _other_l1(text) or bayes.label(text)
        out.append(
            [
                "a4",
                r["message_id"],
                r["created_at"],
                r["title"],
                r["detail"].replace("\r\n", "\n"),
                label,
                "guessed",
                r["reply"].replace("\r\n", "\n"),
                r["replied_at"],
            ]
        )
    header = ["source", "source_id", "created_at", "title", "text", "label_l1", "label_by", "reply"]
    _write_csv(HERE / "teddycup_messages.csv.gz", [*header, "replied_at"], out, gz=True)
    labels = collections.Counter((r[0], r[5]) for r in out)
    sys.stdout.write(f"{len(out)} messages: {dict(sorted(labels.items()))}\n")


# Hot issues of 附件3 (the competition's hot-issue task): messages about one matter at one
# place, chosen by words that name the matter. The demo files them as recent requests of one
# community each, so the hot-topic job has real clusters to find.
HOT_ISSUES = [
    ("lijiang", "伊景园", "滨河苑"),
    ("mixing", "丽发新城", "搅拌站"),
    ("carloan", "58车贷", ""),
    ("wukuang", "五矿万境", ""),
    ("meili", "魅力之城", ""),
]
HOT_PER_ISSUE = 10


def hot(shared: Path) -> None:
    rows = _read(shared / "teddycup2020c" / "attachment3_messages_votes.csv")
    out: list[list[str]] = []
    for issue, first, second in HOT_ISSUES:
        found = [
            r
            for r in rows
            if first in r["title"] + r["detail"]
            and (not second or second in r["title"] + r["detail"])
            and 20 <= len(r["detail"]) <= 2000
        ]
        found.sort(key=lambda r: _rank("hot:" + r["message_id"]))
        out += [
            [issue, r["message_id"], r["title"], r["detail"].replace("\r\n", "\n"), r["likes"] or "0"]
            for r in found[:HOT_PER_ISSUE]
        ]
    _write_csv(
        HERE / "teddycup_hot.csv.gz", ["issue", "message_id", "title", "detail", "likes"], out, gz=True
    )
    sys.stdout.write(f"{len(out)} hot-issue messages: {dict(collections.Counter(r[0] for r in out))}\n")


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[3] / "shared" / "data"
    catalog(shared)
    nyc(shared)
    messages(shared)
    hot(shared)


if __name__ == "__main__":
    main()
