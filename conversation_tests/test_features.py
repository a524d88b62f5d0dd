"""Collects every feature under ``features/``; the plugin runs each scenario once per target."""

from pytest_bdd import scenarios

scenarios("features")
