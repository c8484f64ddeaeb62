"""Which rules match a message, and in what order they act. Pure: no database."""

import pytest

from workflow.rules.matching import (
    Actions,
    Conditions,
    RuleData,
    RuleSubject,
    contains_any,
    rule_matches,
    rules_select,
    unreachable,
    words_of,
)
from workflow.rules.outcomes import Names, conditions_texts, rule_try_rows

MAIL = RuleSubject(
    sender="Mario.Rossi@Carrozzeria-Bianchi.it",
    recipients=("sinistri@assicura.example.it", "ufficio@assicura.example.it"),
    subject="Denuncia sinistro targa AB123CD",
    text="Buongiorno, allego la constatazione amichevole. Perché nessuno risponde?",
    is_pec=True,
    has_attachments=True,
    category_id=7,
)


def rule(rule_id: int = 1, *, cont: bool = False, active: bool = True, **kw: object) -> RuleData:
    actions = {k: kw.pop(k) for k in list(kw) if k in Actions.__dataclass_fields__}
    if "category" in kw:
        kw["category_id"] = kw.pop("category")
    return RuleData(
        rule_id,
        f"rule {rule_id}",
        Conditions(**kw),  # type: ignore[arg-type]
        Actions(**actions),  # type: ignore[arg-type]
        continue_after=cont,
        active=active,
    )


@pytest.mark.parametrize(
    ("test", "value", "expected"),
    [
        ("address_equals", "mario.rossi@carrozzeria-bianchi.it", True),
        ("address_equals", "rossi@carrozzeria-bianchi.it", False),
        ("address_contains", "ROSSI", True),
        ("domain_equals", "carrozzeria-bianchi.it", True),
        ("domain_equals", "@carrozzeria-bianchi.it", True),
        ("domain_equals", "bianchi.it", False),
        ("domain_contains", "bianchi", True),
        ("domain_contains", "mario", False),
        ("", "", True),
    ],
)
def test_sender_tests(test: str, value: str, expected: bool) -> None:
    assert rule_matches(Conditions(sender_test=test, sender_value=value), MAIL) is expected


def test_recipient_is_any_of_the_recipients_ignoring_capitals() -> None:
    assert rule_matches(Conditions(recipient="Ufficio@Assicura.example.it"), MAIL)
    assert not rule_matches(Conditions(recipient="pagamenti@assicura.example.it"), MAIL)


def test_words_match_whole_words_ignoring_capitals_and_accents() -> None:
    assert rule_matches(Conditions(subject_words="rimborso, SINISTRO"), MAIL)
    assert not rule_matches(Conditions(subject_words="sinistr"), MAIL)
    assert rule_matches(Conditions(body_words="perche nessuno"), MAIL)
    assert rule_matches(Conditions(body_words="constatazione amichevole"), MAIL)
    assert not rule_matches(Conditions(body_words="disdetta; recesso"), MAIL)


def test_words_of_splits_on_commas_semicolons_and_lines() -> None:
    assert words_of(" Danno , grandine;\n  Furto  d'auto ,, ") == (
        "danno",
        "grandine",
        "furto d'auto",
    )
    assert contains_any("Furto   d'AUTO avvenuto", ["furto d'auto"])


def test_flags_and_category() -> None:
    assert rule_matches(Conditions(is_pec=True, has_attachments=True, category_id=7), MAIL)
    assert not rule_matches(Conditions(is_pec=False), MAIL)
    assert not rule_matches(Conditions(has_attachments=False), MAIL)
    assert not rule_matches(Conditions(category_id=8), MAIL)


def test_every_condition_must_hold() -> None:
    conditions = Conditions(sender_test="domain_contains", sender_value="bianchi", is_pec=False)
    assert not rule_matches(conditions, MAIL)


def test_empty_conditions_match_anything() -> None:
    assert rule_matches(Conditions(), RuleSubject(sender=""))


def test_first_match_wins() -> None:
    rules = [rule(1, subject_words="furto"), rule(2, is_pec=True), rule(3)]
    assert [r.id for r in rules_select(rules, MAIL)] == [2]


def test_continue_tries_the_next_rules_and_inactive_rules_are_skipped() -> None:
    rules = [
        rule(1, cont=True, is_pec=True, urgency=3),
        rule(2, active=False),
        rule(3, cont=True, subject_words="nulla"),
        rule(4, assignment="round_robin", operator_ids=(5, 6)),
        rule(5),
    ]
    assert [r.id for r in rules_select(rules, MAIL)] == [1, 4]


def test_a_category_set_by_a_rule_is_seen_by_the_next_ones() -> None:
    rules = [rule(1, cont=True, category_id=9), rule(2, category=9, urgency=3)]
    assert [r.id for r in rules_select(rules, MAIL)] == [1, 2]


def test_a_move_to_another_pool_ends_this_pool_s_rules_even_with_continue() -> None:
    rules = [rule(1, cont=True, pool_id=42), rule(2)]
    assert [r.id for r in rules_select(rules, MAIL)] == [1]


def test_conditions_in_words() -> None:
    names = Names(categories={7: "Auto"})
    texts = conditions_texts(
        Conditions(sender_test="domain_equals", sender_value="x.it", category_id=7), names
    )
    assert texts == ["Sender's domain is x.it", "Category is Auto"]
    assert conditions_texts(Conditions(), names) == ["Any message"]


def test_trying_a_rule_simulates_the_round_robin_turn_over_the_messages() -> None:
    other = RuleSubject(sender="someone@else.it")
    draft = rule(
        None,
        sender_test="domain_equals",
        sender_value="carrozzeria-bianchi.it",  # type: ignore[arg-type]
        urgency=2,
        assignment="round_robin",
        operator_ids=(1, 2, 3),
    )
    rows = rule_try_rows(
        rule=draft,
        subjects=[MAIL, other, MAIL, MAIL],
        candidates=[1, 2, 3],
        present={1, 3},
        open_counts={},
        last=1,
        names=Names(urgencies={2: "High"}, users={1: "Anna", 3: "Carla"}),
    )
    assert rows == [
        ["Urgency: High", "Assigned to: Carla"],
        None,
        ["Urgency: High", "Assigned to: Anna"],
        ["Urgency: High", "Assigned to: Carla"],
    ]


def test_rules_after_a_catch_all_that_stops_are_never_reached() -> None:
    rules = [
        rule(1, cont=True),
        rule(2, active=False),
        rule(3, is_pec=True),
        rule(4, subject_words=" , "),
        rule(5),
    ]
    assert unreachable(rules) == [False, False, False, False, True]
