"""Serial voucher codes: normalising, the check character, generation, and mistyped matching."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.domain.vouchers.codes import loose_form, normalise_code
from mailbot.parsers.voucher_codes import (
    ALPHABET,
    LETTERS,
    SERIAL_LENGTH,
    Match,
    MatchKind,
    candidates,
    check_character,
    display,
    generate,
    is_serial_shape,
    is_valid_serial,
    match,
)
from tests.strategies import voucher_bodies, voucher_prefixes

positions = st.integers(min_value=0, max_value=SERIAL_LENGTH - 1)


@given(voucher_bodies, positions, st.sampled_from(ALPHABET))
def test_any_single_substitution_is_detected(body: str, at: int, char: str) -> None:
    """Changing any one character of a valid serial code, check included, breaks the check."""
    code = body + check_character(body)
    changed = code[:at] + char + code[at + 1 :]
    assert is_valid_serial(code)
    assert is_valid_serial(changed) == (changed == code)


@given(voucher_bodies, st.integers(min_value=0, max_value=SERIAL_LENGTH - 2))
def test_any_adjacent_transposition_is_detected(body: str, at: int) -> None:
    """Swapping two different neighbouring characters of a valid serial code breaks the check."""
    code = body + check_character(body)
    swapped = code[:at] + code[at + 1] + code[at] + code[at + 2 :]
    assert is_valid_serial(swapped) == (swapped == code)


def test_detection_holds_for_every_position_and_difference() -> None:
    """Exhaustively: the check is linear, so one body and every change at every place is a proof."""
    body = "ABC00000000"
    code = body + check_character(body)
    for at in range(SERIAL_LENGTH):
        for char in ALPHABET:
            if char != code[at]:
                assert not is_valid_serial(code[:at] + char + code[at + 1 :])
    for first in ALPHABET:
        for second in ALPHABET:
            for at in range(3, SERIAL_LENGTH - 2):
                body = f"ABC{'0' * (at - 3)}{first}{second}".ljust(SERIAL_LENGTH - 1, "0")
                valid = body + check_character(body)
                swapped = valid[:at] + valid[at + 1] + valid[at] + valid[at + 2 :]
                assert is_valid_serial(swapped) == (first == second)


@given(voucher_prefixes, st.integers(min_value=0, max_value=200), st.integers())
def test_generated_codes_are_distinct_valid_and_repeatable(prefix: str, count: int,
                                                           seed: int) -> None:  # fmt: skip
    """`generate` gives `count` different valid codes with the prefix; a seed gives the same."""
    codes = generate(prefix, count, random.Random(seed))
    assert len(set(codes)) == count
    assert all(code.startswith(prefix) and is_valid_serial(code) for code in codes)
    assert codes == generate(prefix, count, random.Random(seed))


def test_a_prefix_must_be_three_letters_of_the_alphabet() -> None:
    """WIN has an I, which the alphabet leaves out; a prefix of four letters is refused too."""
    for prefix in ("WIN", "WNTR", "W1N"):
        with pytest.raises(ValueError, match="three letters"):
            generate(prefix, 1, random.Random(1))


@given(voucher_bodies, st.data())
def test_normalising_undoes_case_separators_and_look_alikes(body: str, data: st.DataObject) -> None:
    """A code typed in lower case, grouped with spaces or dashes, with O, I, L, U for 0, 1, 1, V
    normalises back to the code."""
    code = body + check_character(body)
    typed = display(code).replace("-", data.draw(st.sampled_from([" ", "-", "", " - "])))
    typed = typed.replace("0", data.draw(st.sampled_from(["0", "O", "o"])))
    typed = typed.replace("1", data.draw(st.sampled_from(["1", "I", "l", "L"])))
    typed = typed.replace("V", data.draw(st.sampled_from(["V", "U", "u"])))
    typed = typed if data.draw(st.booleans()) else typed.lower()
    assert normalise_code(typed) == code
    assert is_serial_shape(typed)


def test_display_groups_a_serial_code() -> None:
    """Serial codes print as prefix-4-4-check; promotional codes print as they are."""
    assert display("WNT7K3MQ9TX4") == "WNT-7K3M-Q9TX-4"
    assert display("WINTER25") == "WINTER25"


@given(voucher_bodies)
def test_a_known_code_typed_plainly_matches_exactly(body: str) -> None:
    """Case and separators aside, a known code is an exact match."""
    code = body + check_character(body)
    found = match(display(code).lower(), {code})
    assert (found.kind, found.code) == (MatchKind.EXACT, code)


def test_look_alikes_make_a_corrected_match() -> None:
    """A code read through O for 0 is matched, and said to be corrected."""
    body = "WNT0000RR11"
    code = body + check_character(body)
    typed = code.replace("0", "O")
    found = match(typed, {code})
    assert (found.kind, found.code) == (MatchKind.CORRECTED, code)


@given(voucher_bodies, positions, st.sampled_from(ALPHABET))
def test_one_slip_is_corrected_when_one_code_fits(body: str, at: int, char: str) -> None:
    """A known serial code with one character wrong (a letter in the prefix) is matched to it,
    corrected."""
    code = body + check_character(body)
    char = LETTERS[int(char)] if at < 3 and char.isdigit() else char
    typed = code[:at] + char + code[at + 1 :]
    found = match(typed, {code})
    if typed == code:
        assert found.kind is MatchKind.EXACT
    else:
        assert (found.kind, found.code) == (MatchKind.CORRECTED, code)
        assert code in candidates(typed)


def every_valid_code_one_slip_away(code: str) -> set[str]:
    """By brute force: every substitution and adjacent transposition that is a valid serial."""
    changed = {code[:k] + char + code[k + 1 :] for k in range(len(code)) for char in ALPHABET}
    changed |= {code[:k] + code[k + 1] + code[k] + code[k + 2 :] for k in range(len(code) - 1)}
    return {other for other in changed if other != code and is_valid_serial(other)}


@given(voucher_bodies, st.sampled_from(ALPHABET))
def test_the_codes_one_slip_away_are_read_from_the_check(body: str, check: str) -> None:
    """The valid codes one slip from a serial-shaped code with a wrong check, found from its
    syndrome, are exactly those that trying every change finds."""
    code = body + check
    if is_valid_serial(code):
        assert candidates(code) == (code,)
        return
    assert set(candidates(code)[1:]) == every_valid_code_one_slip_away(code)


def test_several_fitting_codes_look_mistyped() -> None:
    """When two known codes are one slip away from what was typed, neither is guessed."""
    typed = "WNT0000000"
    typed += "0" + ("1" if check_character(typed + "0") != "1" else "2")
    fitting = list(candidates(typed)[1:])
    assert len(fitting) >= 2
    found = match(typed, set(fitting[:2]))
    assert (found.kind, found.code) == (MatchKind.LOOKS_MISTYPED, None)


def test_a_serial_shaped_code_that_fits_nothing_looks_mistyped() -> None:
    """A wrong check with no known code near is "looks mistyped", not "unknown"."""
    body = "WNTAAAABBBB"
    typed = body + ("0" if check_character(body) != "0" else "1")
    assert match(typed, set()).kind is MatchKind.LOOKS_MISTYPED


def test_a_prefix_no_campaign_has_never_looks_mistyped() -> None:
    """Given the campaigns' prefixes, a serial-shaped token with another prefix (an SKU such as
    BPW-0310-0100-0) is unknown, not a mistyped code."""
    assert is_serial_shape("BPW-0310-0100-0")
    assert match("BPW-0310-0100-0", set(), prefixes={"WNT"}).kind is MatchKind.UNKNOWN
    assert match("WNT-0310-0100-0", set(), prefixes={"WNT"}).kind is MatchKind.LOOKS_MISTYPED


def test_words_and_valid_unknown_serials_are_unknown() -> None:
    """A word, an SKU, or a well-formed serial code nobody issued is simply unknown."""
    body = "WNTAAAABBBB"
    for typed in ("hello", "SAF-2234", body + check_character(body)):
        assert match(typed, {"WINTER25"}).kind is MatchKind.UNKNOWN


def test_promotional_codes_match_ignoring_case_and_separators_only() -> None:
    """A promotional code is stored in its loose form: `winter-25` finds WINTER25 exactly, and
    its letters are never read as digits."""
    stored = loose_form("Winter25")
    assert stored == "WINTER25"
    assert match("winter-25", {stored}) == Match("winter-25", MatchKind.EXACT, stored)
    assert match("W1NTER25", {stored}).kind is MatchKind.UNKNOWN
