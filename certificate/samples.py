"""Realistic sample documents of every shipped type, for tests, demos and benchmarks.

Everything is made up but well-formed: names are common Chinese names, GB/T 2260 codes are real
districts of Shanghai (310000), Jiangsu (320000) and Zhejiang (330000), credit codes and citizen ID
numbers carry correct check characters, identifiers are built with :func:`make_identifier`.
The same ``seed`` always gives the same document, so failures are reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from certificate.checkcodes import (
    USCC_ALPHABET,
    resident_id_check_character,
    uscc_check_character,
)
from certificate.document import DOCUMENT_FORMAT
from certificate.exceptions import CertificateSchemaError
from certificate.identifier import make_identifier
from certificate.registry import CertificateType, default_registry
from certificate.types import SignatureAlgorithm

CITIES: Mapping[str, str] = MappingProxyType(
    {
        "310100": "上海市",
        "320100": "南京市",
        "320200": "无锡市",
        "320300": "徐州市",
        "320400": "常州市",
        "320500": "苏州市",
        "320600": "南通市",
        "320700": "连云港市",
        "320800": "淮安市",
        "320900": "盐城市",
        "321000": "扬州市",
        "321100": "镇江市",
        "321200": "泰州市",
        "321300": "宿迁市",
        "330100": "杭州市",
        "330200": "宁波市",
        "330300": "温州市",
        "330400": "嘉兴市",
        "330500": "湖州市",
        "330600": "绍兴市",
        "330700": "金华市",
        "330800": "衢州市",
        "330900": "舟山市",
        "331000": "台州市",
        "331100": "丽水市",
    }
)
"""Prefecture-level GB/T 2260 codes of the sample provinces (Shanghai's districts: 310100)."""

DISTRICTS: Mapping[str, str] = MappingProxyType(
    {
        "310101": "黄浦区",
        "310104": "徐汇区",
        "310105": "长宁区",
        "310106": "静安区",
        "310107": "普陀区",
        "310109": "虹口区",
        "310110": "杨浦区",
        "310112": "闵行区",
        "310113": "宝山区",
        "310115": "浦东新区",
        "310117": "松江区",
        "320102": "玄武区",
        "320104": "秦淮区",
        "320106": "鼓楼区",
        "320213": "梁溪区",
        "320402": "天宁区",
        "320505": "虎丘区",
        "320506": "吴中区",
        "320508": "姑苏区",
        "320602": "崇川区",
        "321002": "广陵区",
        "330102": "上城区",
        "330105": "拱墅区",
        "330106": "西湖区",
        "330108": "滨江区",
        "330203": "海曙区",
        "330212": "鄞州区",
        "330302": "鹿城区",
        "330402": "南湖区",
        "330602": "越城区",
        "330702": "婺城区",
    }
)
"""County-level GB/T 2260 codes used for issuers, addresses and ID numbers."""

SAMPLE_PROVINCES = (310000, 320000, 330000)
"""Provinces the samples are issued in."""

_SHORT = {310000: "沪", 320000: "苏", 330000: "浙"}
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘"
    "袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦"
)
_GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志文博晨"
_GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪慧莹琳颖洁倩佳怡欣悦蕾萍红梅晶璐琪瑶菲月"
_BRANDS = (
    *("澄明", "嘉禾", "瑞丰", "恒信", "汇通", "启航", "锦程", "华瑞"),
    *("博远", "星辰", "云帆", "中和", "鼎盛", "创联", "同舟", "安泰"),
)
_TRADES = (
    ("信息科技有限公司", "技术开发、技术咨询、技术服务;软件开发;信息系统集成服务"),
    ("餐饮管理有限公司", "餐饮服务;餐饮管理;食品销售"),
    ("贸易有限公司", "货物进出口;技术进出口;日用百货销售"),
    ("建筑工程有限公司", "建设工程施工;住宅室内装饰装修;工程管理服务"),
    ("生物医药有限公司", "医学研究和试验发展;生物化工产品技术研发"),
)
_STREETS = (
    *("人民路", "中山路", "解放路", "建设路", "和平路"),
    *("文化路", "新华路", "长江路", "淮海中路", "延安西路"),
)
_UNIVERSITIES = {
    310000: (("复旦大学", "10246", "310110"), ("上海交通大学", "10248", "310104")),
    320000: (("南京大学", "10284", "320106"), ("苏州大学", "10285", "320508")),
    330000: (("浙江大学", "10335", "330106"), ("宁波大学", "11646", "330212")),
}
_DEGREES = (("学士学位", 4), ("学士学位", 4), ("硕士学位", 3), ("博士学位", 2))
"""Degree and its level digit in degree certificate numbers (4 bachelor, 3 master, 2 doctor)."""
_MAJORS = (
    ("工学", "计算机科学与技术"),
    ("理学", "数学与应用数学"),
    ("法学", "法学"),
    ("经济学", "金融学"),
    ("医学", "临床医学"),
    ("管理学", "工商管理"),
    ("文学", "汉语言文学"),
)


class _Maker:
    """Draws consistent random values for one sample document."""

    def __init__(self, seed: int, province: int) -> None:
        if province not in SAMPLE_PROVINCES:
            raise CertificateSchemaError(
                f"samples exist for provinces {SAMPLE_PROVINCES}, not {province}"
            )
        self.rng = random.Random(f"{seed}:{province}")
        self.province = province
        prefix = str(province)[:2]
        self.districts = [code for code in DISTRICTS if code.startswith(prefix)]

    def district(self) -> str:
        return self.rng.choice(self.districts)

    def place(self, district: str) -> str:
        city = CITIES[district[:4] + "00"]
        return f"{city}{DISTRICTS[district]}"

    def address(self, district: str) -> str:
        street = self.rng.choice(_STREETS)
        return f"{self.place(district)}{street}{self.rng.randint(1, 999)}号"

    def day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def name(self, sex: str) -> str:
        given = _GIVEN_MALE if sex == "男" else _GIVEN_FEMALE
        length = self.rng.choice((1, 2, 2))
        return self.rng.choice(_SURNAMES) + "".join(self.rng.choices(given, k=length))

    def resident_id(self, birth: date, sex: str) -> str:
        district = self.rng.choice(list(DISTRICTS))
        sequence = self.rng.randrange(0, 500) * 2 + (1 if sex == "男" else 0)
        body = f"{district}{birth:%Y%m%d}{sequence:03d}"
        return body + resident_id_check_character(body)

    def credit_code(self, head: str, district: str) -> str:
        """A credit code: government bodies (head 11, 12) have numeric organisation codes,
        companies (91) the ``MA`` codes assigned since 2015."""
        if head == "91":
            tail = "MA" + "".join(self.rng.choices(USCC_ALPHABET, k=7))
        else:
            tail = f"{self.rng.randrange(10**9):09d}"
        body = f"{head}{district}{tail}"
        return body + uscc_check_character(body)

    def person(self, sex: str, born_after: date, born_before: date) -> dict[str, Any]:
        birth = self.day(born_after, born_before)
        return {
            "name": self.name(sex),
            "birth_date": birth.isoformat(),
            "id_type": "resident_id",
            "id_number": self.resident_id(birth, sex),
        }

    def serial(self, issued: date) -> str:
        return f"{issued:%Y}{self.rng.randrange(10**8):08d}"


def _base(
    kind: CertificateType,
    maker: _Maker,
    *,
    issuer: tuple[str, str, str],
    holder: dict[str, Any],
    number: str,
    issued: date,
    valid_until: date | None,
    face: dict[str, Any],
    algorithm: SignatureAlgorithm,
) -> dict[str, Any]:
    issuer_name, issuer_code, issuer_division = issuer
    return {
        "format": DOCUMENT_FORMAT,
        "identifier": make_identifier(kind.code, issuer_code, maker.serial(issued)),
        "type": {"code": kind.code, "name": kind.name},
        "number": number,
        "holder": holder,
        "issuer": {
            "name": issuer_name,
            "credit_code": issuer_code,
            "division_code": issuer_division,
        },
        "issue_date": issued.isoformat(),
        "valid_from": issued.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "face": face,
        "related": [],
        "signature_algorithm": algorithm.label,
    }


def _government(maker: _Maker, suffix: str) -> tuple[str, str, str]:
    district = maker.district()
    return (f"{maker.place(district)}{suffix}", maker.credit_code("11", district), district)


def _marriage(kind: CertificateType, m: _Maker, algorithm: SignatureAlgorithm) -> dict[str, Any]:
    issued = m.day(date(2023, 1, 1), date(2025, 6, 30))
    husband = m.person("男", date(1975, 1, 1), date(2001, 12, 31))
    wife = m.person("女", date(1977, 1, 1), date(2003, 12, 31))
    holder = m.rng.choice((husband, wife))
    issuer = _government(m, "民政局")
    face = {
        "registration_date": issued.isoformat(),
        "husband": {"nationality": "中国", **husband},
        "wife": {"nationality": "中国", **wife},
    }
    number = f"J{issuer[2]}-{issued:%Y}-{m.rng.randrange(10**6):06d}"
    return _base(
        kind,
        m,
        issuer=issuer,
        number=number,
        issued=issued,
        valid_until=None,
        face=face,
        holder={k: holder[k] for k in ("name", "id_type", "id_number")},
        algorithm=algorithm,
    )


def _company(m: _Maker) -> tuple[str, str, str, str]:
    district = m.district()
    brand = m.rng.choice(_BRANDS)
    trade, scope = m.rng.choice(_TRADES)
    city = CITIES[district[:4] + "00"].removesuffix("市")
    return f"{city}{brand}{trade}", m.credit_code("91", district), district, scope


def _business_licence(
    kind: CertificateType, m: _Maker, algorithm: SignatureAlgorithm
) -> dict[str, Any]:
    name, code, district, scope = _company(m)
    established = m.day(date(2005, 1, 1), date(2025, 6, 30))
    issued = m.day(established, established + timedelta(days=30))
    face = {
        "entity_type": "有限责任公司(自然人投资或控股)",
        "legal_representative": m.name(m.rng.choice("男女")),
        "registered_capital": f"{m.rng.choice((50, 100, 200, 500, 1000, 3000))}万元人民币",
        "established_on": established.isoformat(),
        "business_term_until": m.rng.choice((None, f"{established.year + 30}-12-31")),
        "address": m.address(district),
        "business_scope": scope + "。(依法须经批准的项目,经相关部门批准后方可开展经营活动)",
    }
    return _base(
        kind,
        m,
        issuer=_government(m, "市场监督管理局"),
        number=code,
        issued=issued,
        valid_until=None,
        face=face,
        holder={"name": name, "id_type": "credit_code", "id_number": code},
        algorithm=algorithm,
    )


def _birth(kind: CertificateType, m: _Maker, algorithm: SignatureAlgorithm) -> dict[str, Any]:
    born = m.day(date(2023, 1, 1), date(2025, 6, 30))
    sex = m.rng.choice("男女")
    mother = m.person("女", date(1985, 1, 1), date(2002, 12, 31))
    father = m.person("男", date(1983, 1, 1), date(2000, 12, 31))
    child = {"name": m.rng.choice((mother, father))["name"][0] + m.name(sex)[1:]}
    issuer = _government(m, "妇幼保健院")
    face = {
        "sex": sex,
        "birth_date": born.isoformat(),
        "birth_time": f"{m.rng.randrange(24):02d}:{m.rng.randrange(60):02d}",
        "birthplace_division_code": issuer[2],
        "gestational_weeks": m.rng.randint(36, 41),
        "weight_grams": m.rng.randint(2500, 4200),
        "length_cm": m.rng.randint(46, 54),
        "mother": {"nationality": "中国", "ethnicity": "汉族", **_without_birth(mother)},
        "father": {"nationality": "中国", "ethnicity": "汉族", **_without_birth(father)},
        "delivery_institution": issuer[0],
    }
    holder = {**child, "id_type": "resident_id", "id_number": m.resident_id(born, sex)}
    number = f"{m.rng.choice('MNOPQR')}{m.rng.randrange(10**9):09d}"
    return _base(
        kind,
        m,
        issuer=issuer,
        holder=holder,
        number=number,
        issued=born,
        valid_until=None,
        face=face,
        algorithm=algorithm,
    )


def _years_later(day: date, years: int) -> date:
    """The day before the same date ``years`` later (a validity period's last day)."""
    return date(day.year + years, day.month, min(day.day, 28)) - timedelta(days=1)


def _without_birth(person: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in person.items() if k != "birth_date"}


def _real_estate(kind: CertificateType, m: _Maker, algorithm: SignatureAlgorithm) -> dict[str, Any]:
    issued = m.day(date(2023, 1, 1), date(2025, 6, 30))
    owner = m.person(m.rng.choice("男女"), date(1960, 1, 1), date(2000, 12, 31))
    issuer = _government(m, "不动产登记中心")
    district = issuer[2]
    shared = m.rng.random() < 0.5
    face: dict[str, Any] = {
        "co_ownership": "共同共有" if shared else "单独所有",
        "location": f"{m.address(district)}{m.rng.randint(1, 30)}号楼{m.rng.randint(101, 2802)}室",
        "unit_number": f"{district}{m.rng.randrange(10**6):06d}GB{m.rng.randrange(10**5):05d}"
        f"F{m.rng.randrange(10**8):08d}",
        "right_type": "国有建设用地使用权/房屋所有权",
        "right_nature": "出让/市场化商品房",
        "usage": "城镇住宅用地/住宅",
        "area": f"房屋建筑面积{m.rng.randint(40, 180)}.{m.rng.randrange(100):02d}㎡",
        "term": f"国有建设用地使用权 {issued.year - 5}年01月01日起{issued.year + 65}年12月31日止",
    }
    if shared:
        spouse = m.person(m.rng.choice("男女"), date(1960, 1, 1), date(2000, 12, 31))
        face["co_owners"] = [{k: spouse[k] for k in ("name", "id_type", "id_number")}]
    number = (
        f"{_SHORT[m.province]}({issued:%Y}){DISTRICTS[district]}不动产权第"
        f"{m.rng.randrange(10**7):07d}号"
    )
    return _base(
        kind,
        m,
        issuer=issuer,
        number=number,
        issued=issued,
        valid_until=None,
        face=face,
        holder={k: owner[k] for k in ("name", "id_type", "id_number")},
        algorithm=algorithm,
    )


def _driving_licence(
    kind: CertificateType, m: _Maker, algorithm: SignatureAlgorithm
) -> dict[str, Any]:
    sex = m.rng.choice("男女")
    driver = m.person(sex, date(1965, 1, 1), date(2005, 12, 31))
    first = m.day(date(2010, 1, 1), date(2022, 12, 31))
    issued = m.day(date(2023, 1, 1), date(2025, 6, 30))
    issuer = _government(m, "公安局交通警察支队")
    face = {
        "sex": sex,
        "nationality": "中国",
        "address": m.address(m.district()),
        "birth_date": driver["birth_date"],
        "first_issue_date": first.isoformat(),
        "vehicle_class": m.rng.choice(("C1", "C1", "C2", "B2", "A2D", "C1E")),
        "file_number": f"{issuer[2][:4]}{m.rng.randrange(10**8):08d}",
    }
    document = _base(
        kind,
        m,
        issuer=issuer,
        number=driver["id_number"],
        issued=issued,
        valid_until=_years_later(issued, 10),
        face=face,
        holder={k: driver[k] for k in ("name", "id_type", "id_number")},
        algorithm=algorithm,
    )
    if m.rng.random() < 0.5:
        earlier = make_identifier(kind.code, issuer[1], m.serial(first))
        document["related"] = [{"identifier": earlier, "relation": "renews"}]
    return document


def _degree(kind: CertificateType, m: _Maker, algorithm: SignatureAlgorithm) -> dict[str, Any]:
    sex = m.rng.choice("男女")
    graduate = m.person(sex, date(1985, 1, 1), date(2003, 12, 31))
    university, institution_code, district = m.rng.choice(_UNIVERSITIES[m.province])
    degree, level = m.rng.choice(_DEGREES)
    discipline, major = m.rng.choice(_MAJORS)
    conferred = m.day(date(2023, 6, 20), date(2025, 6, 30))
    issuer = (university, m.credit_code("12", district), district)
    face = {
        "sex": sex,
        "birth_date": graduate["birth_date"],
        "degree": degree,
        "discipline": discipline,
        "major": major,
        "awarding_institution": university,
        "conferred_on": conferred.isoformat(),
    }
    number = f"{institution_code}{level}{conferred:%Y}{m.rng.randrange(10**6):06d}"
    return _base(
        kind,
        m,
        issuer=issuer,
        number=number,
        issued=conferred,
        valid_until=None,
        face=face,
        holder={k: graduate[k] for k in ("name", "id_type", "id_number")},
        algorithm=algorithm,
    )


def _food_licence(
    kind: CertificateType, m: _Maker, algorithm: SignatureAlgorithm
) -> dict[str, Any]:
    name, code, district, _ = _company(m)
    issued = m.day(date(2023, 1, 1), date(2025, 6, 30))
    issuer = _government(m, "市场监督管理局")
    main_format = m.rng.choice(("食品销售经营者", "餐饮服务经营者", "单位食堂"))
    category = {"食品销售经营者": 1, "餐饮服务经营者": 2, "单位食堂": 3}[main_format]
    face = {
        "legal_representative": m.name(m.rng.choice("男女")),
        "address": m.address(district),
        "premises": m.address(district),
        "main_format": main_format,
        "business_items": "预包装食品(含冷藏冷冻食品)销售;热食类食品制售",
        "supervising_authority": issuer[0] + m.rng.choice(("城东", "城西", "城南")) + "市场监管所",
    }
    number = f"JY{category}{issuer[2]}{m.rng.randrange(10**7):07d}"
    return _base(
        kind,
        m,
        issuer=issuer,
        number=number,
        issued=issued,
        valid_until=_years_later(issued, 5),
        face=face,
        holder={"name": name, "id_type": "credit_code", "id_number": code},
        algorithm=algorithm,
    )


_MAKERS: Mapping[str, Callable[[CertificateType, _Maker, SignatureAlgorithm], dict[str, Any]]] = (
    MappingProxyType(
        {
            "marriage_certificate": _marriage,
            "business_licence": _business_licence,
            "birth_medical_certificate": _birth,
            "real_estate_title": _real_estate,
            "driving_licence": _driving_licence,
            "academic_degree": _degree,
            "food_business_licence": _food_licence,
        }
    )
)

SAMPLE_KINDS: tuple[str, ...] = tuple(_MAKERS)
"""Type keys a sample can be made for (every shipped type)."""


def sample_document(
    kind: str,
    *,
    seed: int = 0,
    province: int = 310000,
    algorithm: SignatureAlgorithm = SignatureAlgorithm.ED25519,
) -> dict[str, Any]:
    """A valid document of type ``kind`` (a key of :data:`SAMPLE_KINDS`) as JSON-like data."""
    certificate_type = default_registry().by_key(kind)
    return _MAKERS[kind](certificate_type, _Maker(seed, province), algorithm)


def sample_documents(
    count: int, *, seed: int = 0, algorithm: SignatureAlgorithm = SignatureAlgorithm.ED25519
) -> list[dict[str, Any]]:
    """``count`` documents cycling through every type and the three sample provinces."""
    return [
        sample_document(
            SAMPLE_KINDS[i % len(SAMPLE_KINDS)],
            seed=seed * 1_000_003 + i,
            province=SAMPLE_PROVINCES[(i // len(SAMPLE_KINDS)) % len(SAMPLE_PROVINCES)],
            algorithm=algorithm,
        )
        for i in range(count)
    ]
