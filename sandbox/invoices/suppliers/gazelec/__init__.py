"""GazÉlec Pro: natural gas, T1-T3 sites, PCE meters, m³ indexes converted to kWh."""
