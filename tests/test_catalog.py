import tomllib
from importlib import resources

import pytest

from indicators import catalog, units

REQUIRED = {"grain_price", "fuel_price", "fuel_availability", "fuel_queue_time", "power_outage"}


def test_builtin_indicators_present():
    assert REQUIRED <= set(catalog.builtin_names())


@pytest.mark.parametrize("name", sorted(tomllib.loads(
    resources.files("indicators").joinpath("catalog.toml").read_text())))
def test_every_entry_is_complete_and_its_unit_parses(name):
    definition = catalog.get(name)
    assert definition.title and definition.description and definition.frequency in catalog.FREQUENCIES
    assert definition.bad_direction in catalog.BAD_DIRECTIONS
    assert units.parse(definition.unit).canonical == definition.unit


@pytest.mark.parametrize("name, direction", [
    ("fuel_availability", "down"), ("fuel_queue_time", "up"), ("grain_price", "up"),
    ("fuel_price", "up"), ("power_outage", "up")])
def test_bad_directions(name, direction):
    assert catalog.get(name).bad_direction == direction


def test_unknown_indicator_gets_generic_defaults():
    definition = catalog.get("school_closures")
    assert not definition.builtin
    assert definition.family == "other" and definition.bad_direction == "both"


@pytest.mark.parametrize("text, canonical, factor", [
    ("XOF/KG", "XOF/KG", 1.0), ("XOF/100 KG", "XOF/KG", 0.01), ("xof/500g", "XOF/KG", 2.0),
    ("XOF/20 L", "XOF/L", 0.05), ("%", "share", 0.01), ("minutes", "hours", 1 / 60),
    ("hours/day", "hours/day", 1.0), ("days", "hours", 24.0)])
def test_units(text, canonical, factor):
    unit = units.parse(text)
    assert unit.canonical == canonical and unit.factor == pytest.approx(factor)


@pytest.mark.parametrize("text", ["", "furlongs", "XOF/bag", "XO/KG"])
def test_unknown_units_are_errors(text):
    with pytest.raises(units.UnitError):
        units.parse(text)
