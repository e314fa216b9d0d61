"""Pure transforms over stored series."""
