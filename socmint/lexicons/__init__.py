"""Example lexicons for watchlists (TOML files beside this one; see docs/watchlists.md).

They show the format and give an investigator a start: a few dozen entries each, drawn from
public law-enforcement, NGO and research glossaries, never complete and never proof on their own.
"""
