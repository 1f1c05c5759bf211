"""Azur Électricité: medium electricity sites (C4), one site per invoice, HP/HC or 4 periods."""
