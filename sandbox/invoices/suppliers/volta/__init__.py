"""Volta Énergie: small electricity sites (C5), one site per invoice, BASE or HP/HC."""
