"""Contextual neighbours: every token occurrence of a corpus indexed per layer (FAISS candidates, exact
similarities from the stored vectors), for the findings page, the sentence pages and the live API."""
