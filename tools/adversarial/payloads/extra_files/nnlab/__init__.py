"""A fake nnlab package."""
