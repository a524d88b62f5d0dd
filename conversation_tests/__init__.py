"""Gherkin conversation tests and their pytest-bdd step library."""
