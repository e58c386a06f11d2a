"""Photo analysis: arrays in, arrays and small frozen dataclasses out. Imports nothing of ours."""
