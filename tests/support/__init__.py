"""Test-only helpers: run converted MindSpore code on CPU and compare it with torch."""
