"""Nordis Énergies: multi-site electricity groups (2-40 sites per invoice), 4 or 5 periods."""
