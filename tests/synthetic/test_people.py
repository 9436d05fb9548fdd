"""Made-up names: every person number gets its own words, however many people there are."""

import re

from reseau_synthetic.people import CAPACITY, _fold, name


def words(index: int) -> tuple[str, ...]:
    return tuple(sorted(re.findall(r"[a-z0-9]+", _fold(" ".join(name(index))))))


def test_names_stay_distinct_past_the_first_and_surnames_combinations():
    # 1e7 referrals need more people than there are (first name, surnames) combinations;
    # the enumeration of surname pairs once looped forever past them.
    indices = [*range(2_000), *range(CAPACITY - 2_000, CAPACITY + 2_000),
               *range(3 * CAPACITY - 50, 3 * CAPACITY + 50)]
    assert len({words(index) for index in indices}) == len(indices)
    assert name(CAPACITY - 1) == ("Zoé", "Oliveira-Costa")
    assert name(CAPACITY) == ("Marie", "Lefebvre 2")
    assert name(CAPACITY + 70) == ("Marie", "Leroy 2")
