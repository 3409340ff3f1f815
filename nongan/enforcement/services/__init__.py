"""Writes of enforcement: one function per business action, each audited."""
