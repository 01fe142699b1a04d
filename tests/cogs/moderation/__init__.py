"""Tests for the moderation cog."""
