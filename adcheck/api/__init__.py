"""What users call: ``check`` and its assertions, ``define_primitive``, ``probe``."""
