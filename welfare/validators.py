"""The Chinese resident identity number (公民身份号码, GB 11643-1999).

Eighteen characters: a six-digit region code, the birth date as YYYYMMDD, a three-digit
sequence number and a check character. The check character is the ISO 7064 MOD 11-2
checksum of the first seventeen digits, written ``X`` when it is 10.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Weight of the i-th digit is 2**(17 - i) mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Index: the weighted sum mod 11; value: the check character it calls for.
_CHECK = "10X98765432"
_SHAPE = re.compile(r"[1-9]\d{16}[\dX]")


def resident_id_check_character(first17: str) -> str:
    """The check character for the first seventeen digits of an identity number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("seventeen digits expected")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: str) -> None:
    """Refuse anything but a well-formed 18-character number with a real birth date and
    the right check character. A lower-case ``x`` is accepted (forms store it upper-case);
    the old 15-digit numbers are not, since every resident has held an 18-digit one since 2013."""
    number = (value or "").upper()
    if not _SHAPE.fullmatch(number):
        raise ValidationError(_("身份证号码应为18位：17位数字加1位数字或X。"), code="id_number_format")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_number_birth_date") from None
    if resident_id_check_character(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对。"), code="id_number_checksum")
