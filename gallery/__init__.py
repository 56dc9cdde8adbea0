"""The static gallery: precomputed journeys for example sentences, rendered into a site that works offline."""
