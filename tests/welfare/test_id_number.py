"""The GB 11643 check character and the resident ID validator, at their edges."""

import pytest
from django.core.exceptions import ValidationError

from welfare.validators import resident_id_check_character, validate_resident_id


def codes(value):
    with pytest.raises(ValidationError) as err:
        validate_resident_id(value)
    return err.value.code


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # the standard's example: weighted sum mod 11 is 2, so X
        "11010519491231002x",  # a lower-case x is the same number
        "440524188001010014",  # check digit 4
        "110101200002290018",  # 29 February of a leap year (weighted sum 114, mod 11 is 4: 8)
    ],
)
def test_it_accepts_a_well_formed_number_with_the_right_check_character(number):
    validate_resident_id(number)


def test_it_computes_x_when_the_checksum_is_ten():
    assert resident_id_check_character("11010519491231002") == "X"
    assert resident_id_check_character("44052418800101001") == "4"


def test_it_gives_every_check_character_for_some_number():
    # Varying the sequence digits reaches all eleven check characters.
    seen = {resident_id_check_character(f"110105194912310{n:02d}") for n in range(100)}
    assert seen == set("0123456789X")


@pytest.mark.parametrize("wrong", ["0", "1", "9", "Y"])
def test_it_refuses_any_other_check_character(wrong):
    assert codes("11010519491231002" + wrong) in {"id_number_checksum", "id_number_format"}


def test_it_refuses_a_digit_where_x_belongs_and_x_where_a_digit_belongs():
    assert codes("110105194912310020") == "id_number_checksum"
    assert codes("44052418800101001X") == "id_number_checksum"


@pytest.mark.parametrize(
    "number",
    [
        "",
        "11010519491231002",  # 17 characters
        "11010519491231002XX",  # 19
        "110105491231002",  # an old 15-digit number
        "01010519491231002X",  # no region code starts with 0
        "1101051949123100X2",  # X only in the last place
        "11010519491231002Ｘ",  # a full-width X
        " 11010519491231002X",
    ],
)
def test_it_refuses_the_wrong_shape(number):
    assert codes(number) == "id_number_format"


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490001", "19000229"])
def test_it_refuses_a_birth_date_that_does_not_exist(birth):
    first17 = f"110105{birth}002"
    number = first17 + resident_id_check_character(first17)
    assert codes(number) == "id_number_birth_date"
