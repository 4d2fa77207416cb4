"""Identity catalogue: functions with known exact derivatives."""
