"""Tests for the privacy cog: the policy, exports and deletion across every cog's hooks."""
