"""Spokes of the canonical definition: yaml_spec, cloudformation, lexjson, api_plan."""
