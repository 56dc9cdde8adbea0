"""The study's claims tested over a corpus, the findings page, and contextual neighbours."""
