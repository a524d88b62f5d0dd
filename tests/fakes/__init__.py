"""Test doubles for AWS services moto does not emulate well enough."""
