"""Print views of signed records and the REMS monitoring form (a view layer: it reads the
dosing and integration stages)."""
