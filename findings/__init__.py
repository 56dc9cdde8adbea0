"""The study's claims tested over a corpus: the corpus pass, the claims and their statistics, the report,
and the contextual index; the site renders their pages."""
