"""GB/T 2260 administrative division codes (行政区划代码).

A code has six digits: province (2), prefecture (2), county (2). The chain keys members and
certificate statuses by the *province-level* code as a ``uint32`` (``310000`` for Shanghai), so
every issuing division code must map to exactly one province. Only the 34 province-level units are
tabulated here: prefecture and county codes change every year, and a stale full table would reject
real certificates, while a wrong province prefix is always an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from certificate.exceptions import CertificateSchemaError
from certificate.types import DivisionCode, ProvinceCode

PROVINCES: Mapping[ProvinceCode, str] = MappingProxyType(
    {
        ProvinceCode(code): name
        for code, name in (
            (110000, "北京市"),
            (120000, "天津市"),
            (130000, "河北省"),
            (140000, "山西省"),
            (150000, "内蒙古自治区"),
            (210000, "辽宁省"),
            (220000, "吉林省"),
            (230000, "黑龙江省"),
            (310000, "上海市"),
            (320000, "江苏省"),
            (330000, "浙江省"),
            (340000, "安徽省"),
            (350000, "福建省"),
            (360000, "江西省"),
            (370000, "山东省"),
            (410000, "河南省"),
            (420000, "湖北省"),
            (430000, "湖南省"),
            (440000, "广东省"),
            (450000, "广西壮族自治区"),
            (460000, "海南省"),
            (500000, "重庆市"),
            (510000, "四川省"),
            (520000, "贵州省"),
            (530000, "云南省"),
            (540000, "西藏自治区"),
            (610000, "陕西省"),
            (620000, "甘肃省"),
            (630000, "青海省"),
            (640000, "宁夏回族自治区"),
            (650000, "新疆维吾尔自治区"),
            (710000, "台湾省"),
            (810000, "香港特别行政区"),
            (820000, "澳门特别行政区"),
        )
    }
)
"""Province-level GB/T 2260 codes and their names."""

_SHAPE = re.compile(r"[0-9]{6}")


def validate_division_code(code: object, what: str = "division code") -> DivisionCode:
    """Check that ``code`` is six digits under a known province (GB/T 2260)."""
    if not isinstance(code, str) or not _SHAPE.fullmatch(code):
        raise CertificateSchemaError(f"{what} {code!r} is not a six-digit GB/T 2260 code")
    if int(code[:2]) * 10000 not in PROVINCES:
        raise CertificateSchemaError(
            f"{what} {code!r} starts with {code[:2]!r}, which is not a province-level "
            f"GB/T 2260 code (e.g. 31 for Shanghai, 32 for Jiangsu, 33 for Zhejiang)"
        )
    return DivisionCode(code)


def province_of(code: DivisionCode) -> ProvinceCode:
    """The province-level code (``uint32`` on chain) that a division code belongs to."""
    return ProvinceCode(int(code[:2]) * 10000)


def validate_province_code(code: object, what: str = "province code") -> ProvinceCode:
    """Check that ``code`` is one of the 34 province-level GB/T 2260 codes, as an integer."""
    if type(code) is not int or code not in PROVINCES:
        raise CertificateSchemaError(
            f"{what} {code!r} is not a province-level GB/T 2260 code such as 310000 (Shanghai)"
        )
    return ProvinceCode(code)
