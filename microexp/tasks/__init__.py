"""Thin LightningModules wiring the pure parts together."""
