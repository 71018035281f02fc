"""Field terms, one per file: each computes its effective field (A/m) and energy (J)."""
