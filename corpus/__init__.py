"""The corpus: reading and splitting text, the outside corpus and its tags, token groups, and the
resumable corpus pass with its shards, in this process or on Ray."""
