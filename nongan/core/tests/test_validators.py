import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nongan.core.validators import (
    ID_CHECK,
    USCC_ALPHABET,
    CodeError,
    id_check_char,
    mask_id_number,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
)

uscc_bodies = st.tuples(
    st.text(USCC_ALPHABET, min_size=2, max_size=2),
    st.text(string.digits, min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
).map("".join)
valid_usccs = uscc_bodies.map(lambda body: body + uscc_check_char(body))

births = st.dates(min_value=__import__("datetime").date(1930, 1, 1),
                  max_value=__import__("datetime").date(2008, 12, 31))
id_bodies = st.tuples(st.text(string.digits, min_size=6, max_size=6), births,
                      st.text(string.digits, min_size=3, max_size=3)).map(
    lambda t: f"{t[0]}{t[1]:%Y%m%d}{t[2]}")
valid_ids = id_bodies.map(lambda body: body + id_check_char(body))


def test_known_real_codes_validate():
    # Published registrations (Tencent, Shenzhen; Alibaba, Hangzhou) and GB 11643's example.
    assert validate_uscc("9144030071526726XG")
    assert validate_uscc("91330100716105852F")
    assert validate_id_number("11010519491231002X") == "11010519491231002X"


@given(valid_usccs)
def test_valid_usccs_round_trip(code):
    assert validate_uscc(code) == code
    assert validate_uscc(f"  {code.lower()} ") == code


@given(valid_usccs, st.integers(0, 17), st.sampled_from(USCC_ALPHABET + "IOSVZ*a"))
def test_every_single_character_corruption_of_a_uscc_is_rejected(code, position, char):
    if char.upper() == code[position]:
        char = USCC_ALPHABET[(USCC_ALPHABET.index(code[position]) + 1) % 31]
    corrupted = code[:position] + char + code[position + 1:]
    with pytest.raises(CodeError):
        validate_uscc(corrupted)


@given(valid_ids)
def test_valid_id_numbers_round_trip(code):
    assert validate_id_number(code) == code


@given(valid_ids, st.integers(0, 17), st.sampled_from(string.digits + "X"))
def test_every_single_character_corruption_of_an_id_number_is_rejected(code, position, char):
    if char == code[position]:
        char = ID_CHECK[(ID_CHECK.index(char) + 1) % 11] if char in ID_CHECK else "0"
        char = char if char != code[position] else "5"
    corrupted = code[:position] + char + code[position + 1:]
    with pytest.raises(CodeError):
        validate_id_number(corrupted)


@pytest.mark.parametrize("value, reason", [
    ("", "18位"), ("9144030071526726X", "18位"), ("9144030071526726IG", "非法字符"),
    ("91AB030071526726XG", "行政区划"), ("9144030071526726XH", "校验位"),
])
def test_uscc_errors_say_why(value, reason):
    with pytest.raises(CodeError, match=reason):
        validate_uscc(value)


@pytest.mark.parametrize("value, reason", [
    ("1101051949123100", "18位"), ("11010519491331002X", "出生日期"),
    ("110105194912310021", "校验位"), ("1101051949123100X2", "数字"),
])
def test_id_number_errors_say_why(value, reason):
    with pytest.raises(CodeError, match=reason):
        validate_id_number(value)


def test_id_numbers_are_masked_keeping_area_and_tail():
    assert mask_id_number("11010519491231002X") == "110105********002X"
