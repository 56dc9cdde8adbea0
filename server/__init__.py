"""The live query server: a Flask app answering analyses of any text and serving the built site."""
