"""Clinical commands: ``plan``, ``recovery expect|triage``, ``scale ...``, ``aftercare``,
``reestimate``, ``settings check``. JSON in (a file, or ``-`` for stdin) and JSON out.

Thin by design: read the input, call ``resurface.cli.cases``, print. Bad input raises
``InvalidInput``, which ``resurface.cli.main`` prints as one line and exit code 2.
"""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from resurface.cli import cases as clinical
from resurface.domain.errors import InvalidInput
from resurface.domain.rulebase import RuleBase

ProtocolsOption = Annotated[
    Path | None,
    typer.Option(
        "--protocols",
        envvar="RESURFACE_PROTOCOLS_DIR",
        help="Folder with the clinic's own protocol files (default: the shipped rule base).",
        file_okay=False,
    ),
]
CaseArgument = Annotated[str, typer.Argument(help="Case file (JSON), or - to read stdin.")]

recovery_app = typer.Typer(
    help="Expected recovery course and triage of check-ins.", no_args_is_help=True
)
scale_app = typer.Typer(help="Grading scales.", no_args_is_help=True)
settings_app = typer.Typer(help="Session settings limits.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("aftercare")(aftercare)
    app.command("reestimate")(reestimate)
    app.add_typer(recovery_app, name="recovery")
    app.add_typer(scale_app, name="scale")
    app.add_typer(settings_app, name="limits")


def plan(case: CaseArgument, protocols: ProtocolsOption = None) -> None:
    """Screen a consultation case and propose treatments, sessions and a schedule.

    CASE: {"patient": {"age", "sex", "fitzpatrick_type" | "fitzpatrick_answers"},
    "history": {...}, "goals": [{"concern", "area", "severity"}], "preferences":
    {"max_downtime_days"}}.
    """
    _print(clinical.plan_case(_read_json(case), _rules(protocols)))


@recovery_app.command("expect")
def recovery_expect(
    modality: Annotated[str, typer.Option(help="Modality code, e.g. fractional_ablative_co2.")],
    area: Annotated[str, typer.Option(help="Area code, e.g. full_face, neck.")],
    skin_type: Annotated[str, typer.Option("--skin-type", help="Fitzpatrick type I..VI.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    protocols: ProtocolsOption = None,
) -> None:
    """Expected range of each check-in score for every day after treatment, and healing time."""
    course = clinical.expected_recovery(modality, area, skin_type, _rules(protocols))
    if as_json:
        _print(course)
        return
    healing = course["healing_days"]
    typer.echo(f"healing: {healing['min']}-{healing['max']} days")
    scores = [key for key in course["days"][0] if key != "day"]
    typer.echo("day " + " ".join(f"{name:>11}" for name in scores))
    for day in course["days"]:
        cells = " ".join(f"{day[s]['low']:>5g}-{day[s]['high']:<5g}" for s in scores)
        typer.echo(f"{day['day']:>3} {cells}")


@recovery_app.command("triage")
def recovery_triage(case: CaseArgument, protocols: ProtocolsOption = None) -> None:
    """Status and alerts for a series of recovery check-ins.

    CASE: {"modality", "area", "skin_type", "treated_on": "YYYY-MM-DD", "checkins": [{"date",
    "redness", "swelling", "irritation", "pain", "itch", "red_flags": {flag: bool}}]}.
    """
    _print(clinical.triage_case(_read_json(case), _rules(protocols)))


@scale_app.command("fitzpatrick")
def scale_fitzpatrick(
    answers: Annotated[str, typer.Argument(help="Ten comma-separated answers, each 0-4.")],
    protocols: ProtocolsOption = None,
) -> None:
    """Fitzpatrick skin type from the 10-item questionnaire."""
    _print(clinical.fitzpatrick_from_answers(answers, _rules(protocols)))


def _grade_command(name: str, scale: str, what: str) -> None:
    def command(
        value: Annotated[str, typer.Argument(help=what)], protocols: ProtocolsOption = None
    ) -> None:
        _print(clinical.grade_on_scale(scale, value, _rules(protocols)))

    command.__doc__ = f"Grade on the {what.split(':')[0]} scale."
    scale_app.command(name)(command)


_grade_command("glogau", "glogau", "Glogau photoaging: class I-IV.")
_grade_command("wrinkle", "fitzpatrick_wrinkle", "Fitzpatrick wrinkle and elastosis: score 1-9.")
_grade_command("goodman-baron", "goodman_baron", "Goodman & Baron acne scars: grade 1-4.")
_grade_command("gais", "gais", "GAIS (Global Aesthetic Improvement Scale): grade 1-5.")
_grade_command("quartile", "improvement_quartile", "Improvement quartile: percent 0-100.")


def aftercare(
    modality: Annotated[str, typer.Option(help="Modality code.")],
    day: Annotated[int, typer.Option(help="Day after treatment (0 = treatment day).")],
    protocols: ProtocolsOption = None,
) -> None:
    """Aftercare for a day after treatment (the clinic's protocol)."""
    _print(clinical.aftercare_advice(modality, day, _rules(protocols)))


def reestimate(
    concern: Annotated[str, typer.Option(help="Concern code, e.g. acne_scars.")],
    expected_total: Annotated[int, typer.Option(help="Sessions planned for the course.")],
    changes: Annotated[
        str,
        typer.Option(
            help="Percent change of the concern's metric from baseline after each completed "
            "session, comma-separated (e.g. -20,-35). Empty: none measured yet."
        ),
    ] = "",
    modality: Annotated[str | None, typer.Option(help="Modality code.")] = None,
    area: Annotated[str | None, typer.Option(help="Area code.")] = None,
    protocols: ProtocolsOption = None,
) -> None:
    """Re-estimate the remaining sessions from the measured response."""
    values = [_percent(item, i) for i, item in enumerate(changes.split(","), 1) if item.strip()]
    rules = _rules(protocols)
    _print(clinical.reestimate(concern, expected_total, values, rules, modality, area))


@settings_app.command("check")
def settings_check(case: CaseArgument, protocols: ProtocolsOption = None) -> None:
    """Check recorded settings against the limits for the area and patient.

    CASE: {"modality", "area", "skin_type", "history"?: {...}, "energy"?, "density_pct"?,
    "passes"?}.
    """
    _print(clinical.check_recorded_settings(_read_json(case), _rules(protocols)))


def _rules(protocols: Path | None) -> RuleBase:
    return clinical.rule_base(protocols)


def _read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput("CASE", f"cannot read {source}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput("CASE", f"{source} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise InvalidInput("CASE", f"not valid JSON at {where}: {error.msg}") from None


def _percent(text: str, number: int) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"changes item {number}", f"must be a number, got {text!r}") from None


def _print(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
