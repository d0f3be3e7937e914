"""Manim scenes of the lesson."""
