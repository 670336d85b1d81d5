"""Priority-target scoring: explainable factors per person and per organisation."""
