"""Built-in sector plugins of klaster: umkm, farming, livestock."""
